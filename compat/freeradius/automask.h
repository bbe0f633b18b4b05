/* Debian's libfreeradius-dev 3.2.1 references this generated header without
 * shipping it; it only carries build-time feature masks we do not use. */
