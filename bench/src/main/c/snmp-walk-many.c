/*
 * The SNMP bench's long-lived net-snmp baseline: one process, net-snmp's own library, walking the
 * same subtree of many agents one after another with GETBULK (SnmpBench runs it). Process start-up
 * and net-snmp's initialisation happen once, so what is left per agent is the protocol work.
 *
 *   snmp-walk-many ROOT_OID MAX_REPETITIONS < ports      (community in $SNMP_BENCH_COMMUNITY)
 *
 * Prints "values N failed F" at the end.
 */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int walk(const char *peer, const char *community, oid *root, size_t root_len, int reps,
                long *values) {
  netsnmp_session s;
  snmp_sess_init(&s);
  s.peername = (char *)peer;
  s.version = SNMP_VERSION_2c;
  s.community = (u_char *)community;
  s.community_len = strlen(community);
  s.timeout = 5000000; /* µs */
  s.retries = 1;
  void *h = snmp_sess_open(&s);
  if (h == NULL) {
    return -1;
  }
  oid name[MAX_OID_LEN];
  size_t name_len = root_len;
  memcpy(name, root, root_len * sizeof(oid));
  int done = 0, rc = 0;
  while (!done) {
    netsnmp_pdu *req = snmp_pdu_create(SNMP_MSG_GETBULK);
    req->non_repeaters = 0;
    req->max_repetitions = reps;
    snmp_add_null_var(req, name, name_len);
    netsnmp_pdu *resp = NULL;
    if (snmp_sess_synch_response(h, req, &resp) != STAT_SUCCESS || resp == NULL ||
        resp->errstat != SNMP_ERR_NOERROR) {
      rc = -1;
      done = 1;
    } else {
      netsnmp_variable_list *v = resp->variables;
      if (v == NULL) {
        done = 1;
      }
      for (; v != NULL; v = v->next_variable) {
        if (v->type == SNMP_ENDOFMIBVIEW || v->type == SNMP_NOSUCHOBJECT ||
            v->type == SNMP_NOSUCHINSTANCE || v->name_length < root_len ||
            memcmp(v->name, root, root_len * sizeof(oid)) != 0) {
          done = 1;
          break;
        }
        (*values)++;
        memcpy(name, v->name, v->name_length * sizeof(oid));
        name_len = v->name_length;
      }
    }
    if (resp != NULL) {
      snmp_free_pdu(resp);
    }
  }
  snmp_sess_close(h);
  return rc;
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s ROOT_OID MAX_REPETITIONS < ports\n", argv[0]);
    return 2;
  }
  const char *community = getenv("SNMP_BENCH_COMMUNITY");
  if (community == NULL) {
    fprintf(stderr, "SNMP_BENCH_COMMUNITY is not set\n");
    return 2;
  }
  netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID, NETSNMP_DS_LIB_DONT_LOAD_HOST_FILES, 1);
  setenv("MIBS", "", 1);
  init_snmp("snmp-walk-many");
  oid root[MAX_OID_LEN];
  size_t root_len = MAX_OID_LEN;
  if (!read_objid(argv[1], root, &root_len)) {
    fprintf(stderr, "bad OID %s\n", argv[1]);
    return 2;
  }
  int reps = atoi(argv[2]);
  long values = 0, failed = 0;
  char line[64], peer[96];
  while (fgets(line, sizeof line, stdin) != NULL) {
    int port = atoi(line);
    if (port <= 0) {
      continue;
    }
    snprintf(peer, sizeof peer, "udp:127.0.0.1:%d", port);
    if (walk(peer, community, root, root_len, reps, &values) != 0) {
      failed++;
    }
  }
  printf("values %ld failed %ld\n", values, failed);
  return 0;
}
