/*
 * The libmodbus peer of bench/peers (bench/README.md): one process, one TCP connection per PDU,
 * reading the same 8 holding registers (function 3 from wire address 0) of every PDU once per
 * interval, as kilowatch's Modbus collector does, for a fixed number of cycles. Cycle k starts at
 * start_ms + k * interval_ms (epoch milliseconds), so the harness knows which cycles fall in the
 * measured window without parsing clocks. Not as fast as it can: the bench compares the cost of
 * the same work.
 *
 * libmodbus waits on its socket with select(), which cannot take a descriptor of FD_SETSIZE (1,024)
 * or more: past SLICE PDUs the poller forks, one child per SLICE PDUs, each with its own
 * connections (the harness charges the whole process tree).
 *
 * Usage: modbus-poll <host> <start_ms> <interval_ms> <cycles> <port>...
 * Prints "CYCLE <k> <good> <failed> <elapsed_us> <began_ms>" per cycle and "DONE <good> <failed>" at the end.
 */
#include <errno.h>
#include <modbus.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <time.h>

static int64_t now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int64_t mono_us(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

#define SLICE 1000

static void sleep_until(int64_t epoch_ms) {
  for (int64_t left = epoch_ms - now_ms(); left > 0; left = epoch_ms - now_ms()) {
    struct timespec t = {left / 1000, (left % 1000) * 1000000L};
    nanosleep(&t, NULL);
  }
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: %s <host> <start_ms> <interval_ms> <cycles> <port>...\n", argv[0]);
    return 2;
  }
  const char *host = argv[1];
  int64_t start = atoll(argv[2]);
  int64_t interval = atoll(argv[3]);
  int cycles = atoi(argv[4]);
  int n = argc - 5;
  char **ports = argv + 5;
  int children = 0;
  while (n > SLICE) {
    pid_t pid = fork();
    if (pid == -1) {
      perror("fork");
      return 1;
    }
    if (pid == 0) {
      /* The child polls the first SLICE of what is left; the parent goes on with the rest. */
      n = SLICE;
      children = 0;
      break;
    }
    children++;
    ports += SLICE;
    n -= SLICE;
  }
  /* One socket per PDU: 1,536 PDUs pass the usual soft limit of 1,024 descriptors. */
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
  modbus_t **ctx = calloc(n, sizeof *ctx);
  int *connected = calloc(n, sizeof *connected);
  for (int i = 0; i < n; i++) {
    ctx[i] = modbus_new_tcp(host, atoi(ports[i]));
    if (ctx[i] == NULL) {
      fprintf(stderr, "modbus_new_tcp: %s\n", modbus_strerror(errno));
      return 1;
    }
    modbus_set_slave(ctx[i], 1);
    /* The same per-request timeout as kilowatch's polls in the bench. */
    modbus_set_response_timeout(ctx[i], 5, 0);
  }
  long long good = 0, failed = 0;
  uint16_t regs[8];
  for (int k = 0; k < cycles; k++) {
    sleep_until(start + (int64_t)k * interval);
    int64_t began = now_ms();
    int64_t t0 = mono_us();
    long cycle_good = 0, cycle_failed = 0;
    for (int i = 0; i < n; i++) {
      if (!connected[i]) {
        if (modbus_connect(ctx[i]) == -1) {
          cycle_failed++;
          continue;
        }
        connected[i] = 1;
      }
      if (modbus_read_registers(ctx[i], 0, 8, regs) == 8) {
        cycle_good++;
      } else {
        /* A broken connection is opened again on the next cycle, as kilowatch does. */
        modbus_close(ctx[i]);
        connected[i] = 0;
        cycle_failed++;
      }
    }
    good += cycle_good;
    failed += cycle_failed;
    printf("CYCLE %d %ld %ld %lld %lld\n", k, cycle_good, cycle_failed, (long long)(mono_us() - t0),
           (long long)began);
    fflush(stdout);
  }
  /* Alive until the slot after the last cycle, so the harness reads its CPU at the window's end. */
  sleep_until(start + (int64_t)cycles * interval);
  printf("DONE %lld %lld\n", good, failed);
  for (int i = 0; i < n; i++) {
    modbus_close(ctx[i]);
    modbus_free(ctx[i]);
  }
  int status = 0;
  for (int c = 0; c < children; c++) {
    int s;
    if (wait(&s) == -1 || !WIFEXITED(s) || WEXITSTATUS(s) != 0) {
      status = 1;
    }
  }
  return status;
}
