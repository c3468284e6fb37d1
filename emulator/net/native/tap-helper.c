/* h5sim TAP relay: attaches to a Linux TAP interface (IFF_TAP | IFF_NO_PI) and relays Ethernet
 * frames between it and node: stdout carries frames read from the TAP, stdin carries frames to
 * write to it, each preceded by a 2-byte big-endian length. Exits when stdin closes, which also
 * removes a non-persistent TAP. Status goes to stderr: "ready NAME" or "error: ...".
 * Built on first use by emulator/net/tap.ts (koffi stays reserved for the engine binding). */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define MAX_FRAME 65535

static int write_all(int fd, const unsigned char *data, size_t length) {
  while (length > 0) {
    ssize_t n = write(fd, data, length);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    data += n;
    length -= (size_t)n;
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 2 || strlen(argv[1]) >= IFNAMSIZ) {
    fprintf(stderr, "error: usage: h5sim-tap-helper IFNAME (at most %d characters)\n", IFNAMSIZ - 1);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  int tap = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
  if (tap < 0) {
    fprintf(stderr, "error: cannot open /dev/net/tun: %s\n", strerror(errno));
    return 2;
  }
  struct ifreq request;
  memset(&request, 0, sizeof request);
  request.ifr_flags = IFF_TAP | IFF_NO_PI;
  strncpy(request.ifr_name, argv[1], IFNAMSIZ - 1);
  if (ioctl(tap, TUNSETIFF, &request) < 0) {
    fprintf(stderr, "error: TUNSETIFF %s: %s\n", argv[1], strerror(errno));
    return 2;
  }
  fprintf(stderr, "ready %s\n", request.ifr_name);
  fflush(stderr);

  static unsigned char from_tap[2 + MAX_FRAME];
  static unsigned char from_node[2 + MAX_FRAME];
  size_t pending = 0;
  struct pollfd fds[2] = {{.fd = tap, .events = POLLIN}, {.fd = STDIN_FILENO, .events = POLLIN}};
  for (;;) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].revents & POLLIN) {
      ssize_t n = read(tap, from_tap + 2, MAX_FRAME);
      if (n > 0) {
        from_tap[0] = (unsigned char)(n >> 8);
        from_tap[1] = (unsigned char)n;
        if (write_all(STDOUT_FILENO, from_tap, (size_t)n + 2) < 0) return 0;
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t n = read(STDIN_FILENO, from_node + pending, sizeof from_node - pending);
      if (n <= 0) {
        if (n < 0 && errno == EINTR) continue;
        return 0;
      }
      pending += (size_t)n;
      while (pending >= 2) {
        size_t length = ((size_t)from_node[0] << 8) | from_node[1];
        if (pending < 2 + length) break;
        /* A frame the kernel refuses (too short, too long) is dropped, as a bad cable would. */
        if (length > 0 && write(tap, from_node + 2, length) < 0 && errno != EINVAL) { /* dropped */ }
        memmove(from_node, from_node + 2 + length, pending - 2 - length);
        pending -= 2 + length;
      }
    }
    if (fds[0].revents & (POLLERR | POLLHUP)) return 1;
  }
}
