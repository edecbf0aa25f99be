/*
 * A librdkafka mock cluster driven over stdin/stdout, so tests can run our
 * client against an independent Kafka implementation on loopback.
 *
 * Protocol: first line on stdout is "BOOTSTRAP host:port,...". Then one
 * command per stdin line, one reply line per command: "OK" or "ERR <msg>".
 * The process exits when stdin closes or on "quit".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_ARGS 64

static rd_kafka_mock_cluster_t *mcluster;

/* Replies return int only so handlers can "return reply(...)" in strict C. */
static int reply_err(const char *msg) {
        printf("ERR %s\n", msg);
        fflush(stdout);
        return -1;
}

static int reply_ok(void) {
        printf("OK\n");
        fflush(stdout);
        return 0;
}

static int reply(rd_kafka_resp_err_t err) {
        return err ? reply_err(rd_kafka_err2str(err)) : reply_ok();
}

/* Strict integer parse: the whole token must be a number in range. */
static int parse_long(const char *s, long min, long max, long *out) {
        char *end;
        long v;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || end == s || *end != '\0' || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

static int dispatch(int argc, char **argv) {
        long a, b, c;
        const char *cmd = argv[0];

        if (!strcmp(cmd, "topic")) {
                if (argc != 4 || parse_long(argv[2], 1, 100000, &a) ||
                    parse_long(argv[3], 1, 1000, &b))
                        return reply_err("usage: topic <name> <partitions> <replication>");
                return reply(rd_kafka_mock_topic_create(mcluster, argv[1], (int)a, (int)b));
        }
        if (!strcmp(cmd, "down") || !strcmp(cmd, "up")) {
                if (argc != 2 || parse_long(argv[1], -1, INT32_MAX, &a))
                        return reply_err("usage: down|up <brokerId>");
                return reply(!strcmp(cmd, "down")
                                 ? rd_kafka_mock_broker_set_down(mcluster, (int32_t)a)
                                 : rd_kafka_mock_broker_set_up(mcluster, (int32_t)a));
        }
        if (!strcmp(cmd, "leader")) {
                if (argc != 4 || parse_long(argv[2], 0, INT32_MAX, &a) ||
                    parse_long(argv[3], -1, INT32_MAX, &b))
                        return reply_err("usage: leader <topic> <partition> <brokerId>");
                return reply(rd_kafka_mock_partition_set_leader(mcluster, argv[1], (int32_t)a,
                                                                (int32_t)b));
        }
        if (!strcmp(cmd, "errors")) {
                rd_kafka_resp_err_t codes[MAX_ARGS];
                int i;
                if (argc < 3 || parse_long(argv[1], 0, INT16_MAX, &a))
                        return reply_err("usage: errors <apiKey> <code> [<code>...]");
                for (i = 2; i < argc; i++) {
                        /* Negative codes are librdkafka-internal (e.g. -195
                         * __TRANSPORT makes the mock drop the connection). */
                        if (parse_long(argv[i], -200, 32767, &c))
                                return reply_err("error codes must be integers");
                        codes[i - 2] = (rd_kafka_resp_err_t)c;
                }
                rd_kafka_mock_push_request_errors_array(mcluster, (int16_t)a, (size_t)(argc - 2),
                                                        codes);
                return reply_ok();
        }
        if (!strcmp(cmd, "clearerrors")) {
                if (argc != 2 || parse_long(argv[1], 0, INT16_MAX, &a))
                        return reply_err("usage: clearerrors <apiKey>");
                rd_kafka_mock_clear_request_errors(mcluster, (int16_t)a);
                return reply_ok();
        }
        if (!strcmp(cmd, "rtt")) {
                if (argc != 3 || parse_long(argv[1], -1, INT32_MAX, &a) ||
                    parse_long(argv[2], 0, 3600000, &b))
                        return reply_err("usage: rtt <brokerId> <ms>");
                return reply(rd_kafka_mock_broker_set_rtt(mcluster, (int32_t)a, (int)b));
        }
        if (!strcmp(cmd, "apiversion")) {
                if (argc != 4 || parse_long(argv[1], 0, INT16_MAX, &a) ||
                    parse_long(argv[2], -1, INT16_MAX, &b) ||
                    parse_long(argv[3], -1, INT16_MAX, &c))
                        return reply_err("usage: apiversion <apiKey> <min> <max>");
                return reply(rd_kafka_mock_set_apiversion(mcluster, (int16_t)a, (int16_t)b,
                                                          (int16_t)c));
        }
        if (!strcmp(cmd, "coordinator")) {
                if (argc != 4 || parse_long(argv[3], -1, INT32_MAX, &a))
                        return reply_err("usage: coordinator group|transaction <key> <brokerId>");
                return reply(rd_kafka_mock_coordinator_set(mcluster, argv[1], argv[2], (int32_t)a));
        }
        return reply_err("unknown command");
}

int main(int argc, char **argv) {
        char errstr[512];
        char line[4096];
        long brokers = 3;
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;

        if (argc > 1 && parse_long(argv[1], 1, 64, &brokers)) {
                fprintf(stderr, "usage: %s [brokerCount]\n", argv[0]);
                return 2;
        }

        /* The mock needs a client handle for its bookkeeping; it is never used to produce. */
        conf = rd_kafka_conf_new();
        if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fprintf(stderr, "conf: %s\n", errstr);
                return 1;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "rd_kafka_new: %s\n", errstr);
                return 1;
        }
        mcluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mcluster) {
                fprintf(stderr, "rd_kafka_mock_cluster_new failed\n");
                rd_kafka_destroy(rk);
                return 1;
        }
        /* librdkafka 2.0.x's mock mis-encodes ListOffsets v4+; keep clients on v0..v3. */
        rd_kafka_mock_set_apiversion(mcluster, 2, 0, 3);

        printf("BOOTSTRAP %s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);

        while (fgets(line, sizeof(line), stdin)) {
                char *args[MAX_ARGS];
                int n = 0;
                char *save, *tok;

                if (!strchr(line, '\n') && !feof(stdin)) {
                        int ch;
                        while ((ch = getchar()) != EOF && ch != '\n')
                                ;
                        reply_err("line too long");
                        continue;
                }
                for (tok = strtok_r(line, " \t\r\n", &save); tok && n < MAX_ARGS;
                     tok = strtok_r(NULL, " \t\r\n", &save))
                        args[n++] = tok;
                if (tok) {
                        reply_err("too many arguments");
                        continue;
                }
                if (n == 0) {
                        reply_err("empty command");
                        continue;
                }
                if (!strcmp(args[0], "quit")) {
                        reply_ok();
                        break;
                }
                (void)dispatch(n, args);
        }

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        return 0;
}
