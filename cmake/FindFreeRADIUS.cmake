# Finds Debian's libfreeradius-radius (FreeRADIUS 3.2, no pkg-config file).
# Defines the imported target FreeRADIUS::radius.
find_path(FreeRADIUS_INCLUDE_DIR freeradius/libradius.h)
find_library(FreeRADIUS_LIBRARY freeradius-radius PATHS /usr/lib/freeradius NO_DEFAULT_PATH)
find_library(TALLOC_LIBRARY talloc)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(FreeRADIUS REQUIRED_VARS FreeRADIUS_LIBRARY FreeRADIUS_INCLUDE_DIR TALLOC_LIBRARY)
if(FreeRADIUS_FOUND AND NOT TARGET FreeRADIUS::radius)
  get_filename_component(_fr_libdir "${FreeRADIUS_LIBRARY}" DIRECTORY)
  # the run-time path is the one on the target, not the cross build's sysroot
  if(CMAKE_SYSROOT)
    string(REGEX REPLACE "^${CMAKE_SYSROOT}" "" _fr_libdir "${_fr_libdir}")
  endif()
  add_library(FreeRADIUS::radius INTERFACE IMPORTED)
  # compat/ first: it supplies what the Debian headers lack.
  set_target_properties(FreeRADIUS::radius PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${PROJECT_SOURCE_DIR}/compat"
    INTERFACE_LINK_LIBRARIES "${FreeRADIUS_LIBRARY};${TALLOC_LIBRARY}"
    INTERFACE_LINK_OPTIONS "-Wl,-rpath,${_fr_libdir}")
  set(FreeRADIUS_DICT_DIR /usr/share/freeradius CACHE PATH "RADIUS dictionaries")
endif()
