/* lwIP options of Poort's network recovery (firmware/net/), the same for
 * the bare-metal boot stage and the host simulator: no OS (NO_SYS), one
 * Ethernet netif, IPv4 + ARP + ICMP (so an engineer can ping the box) and
 * UDP for the TFTP server. No TCP, DHCP or DNS: the box sits at a fixed
 * link-local address, see netrec.h. All memory is lwIP's static pools. */
#ifndef POORT_LWIPOPTS_H
#define POORT_LWIPOPTS_H

#define NO_SYS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_SINGLE_NETIF 1

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1
#define LWIP_TCP 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_DNS 0
#define LWIP_IGMP 0
#define LWIP_RAW 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_STATS 0
#define LWIP_TIMERS 1

/* Memory: one TFTP transfer at a time (512-byte blocks), a few frames in
 * flight. MEM_SIZE is lwIP's own static heap for PBUF_RAM allocations. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (16 * 1024)
#define MEMP_NUM_PBUF 16
#define MEMP_NUM_UDP_PCB 4
#define PBUF_POOL_SIZE 16
#define PBUF_POOL_BUFSIZE 1536
#define ARP_TABLE_SIZE 4
#define ARP_QUEUEING 1
/* lwIP counts its own timers; the TFTP server adds its tick, and a
 * refused request one more until netrec.c removes it. */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)

#define TFTP_MAX_FILENAME_LEN 32
/* Seconds of silence before the server gives up on a client. */
#define TFTP_TIMEOUT_MSECS 10000
#define TFTP_MAX_RETRIES 5

/* The fuzz harness (tests/fuzz/netrec) builds its own lwIP with checksum
 * checks off, so mutated frames reach ARP, UDP and the TFTP glue instead of
 * dying at the first checksum. Never set in a boot stage. */
#ifdef POORT_LWIP_FUZZ
#define CHECKSUM_CHECK_IP 0
#define CHECKSUM_CHECK_UDP 0
#define CHECKSUM_CHECK_ICMP 0
#endif

#define LWIP_RAND() netrec_rand()
unsigned netrec_rand(void);

#endif
