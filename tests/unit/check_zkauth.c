/* check_zkauth.c: the ZooKeeper login read from KAFKA_OPTS and a JAAS file, and the ACLs
 * zookeeper.set.acl gives each path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "zkauth.h"

static char jaas_path[64];

static void write_jaas(const char *text)
{
    snprintf(jaas_path, sizeof(jaas_path), "/tmp/check_zkauth_%d.conf", (int)getpid());
    FILE *f = fopen(jaas_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static int load(zkauth_t *a, bool set_acl, const char *extra, char *err)
{
    char opts[256];
    snprintf(opts, sizeof(opts), "-Xmx1G -Djava.security.auth.login.config=%s %s", jaas_path,
             extra);
    return zkauth_load(a, set_acl, opts, err, 256);
}

START_TEST(test_client_section)
{
    write_jaas(
        "/* comment } { */ KafkaServer {\n  x.Plain required username=\"a}\" password=b;\n};\n"
        "// Client { wrong }\nClient {\n org.apache.zookeeper.server.auth.DigestLoginModule "
        "required\n username=\"kafka\"\n password=\"se cret\";\n};\nOther { m required "
        "username=o password=p; };\n");
    zkauth_t a;
    char err[256];
    ck_assert_int_eq(load(&a, true, "", err), 0);
    ck_assert_str_eq(a.userpass, "kafka:se cret");
    ck_assert_str_eq(a.section, "Client");
    zkauth_free(&a);
    ck_assert_int_eq(load(&a, false, "-Dzookeeper.sasl.clientconfig=Other", err), 0);
    ck_assert_str_eq(a.userpass, "o:p");
    zkauth_free(&a);
    /* turned off: no login, and set.acl without a login stops start-up */
    ck_assert_int_eq(load(&a, false, "-Dzookeeper.sasl.client=false", err), 0);
    ck_assert(!zkauth_enabled(&a));
    ck_assert_int_eq(load(&a, true, "-Dzookeeper.sasl.client=false", err), -1);
    ck_assert_ptr_nonnull(strstr(err, "zookeeper.set.acl"));
    unlink(jaas_path);
}
END_TEST

START_TEST(test_errors)
{
    zkauth_t a;
    char err[256];
    ck_assert_int_eq(zkauth_load(&a, false, NULL, err, sizeof(err)), 0);
    ck_assert(!zkauth_enabled(&a));
    ck_assert_ptr_eq(zkauth_acl(&a, "/brokers/ids"), &ZOO_OPEN_ACL_UNSAFE);
    ck_assert_int_eq(zkauth_load(&a, true, NULL, err, sizeof(err)), -1);
    ck_assert_int_eq(zkauth_load(&a, false, "-Djava.security.auth.login.config=/nonexistent/x", err,
                                 sizeof(err)),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x"));
    write_jaas("Client { m required username=\"only\"; };");
    ck_assert_int_eq(load(&a, false, "", err), -1);
    ck_assert_ptr_nonnull(strstr(err, "password"));
    write_jaas("Client { m required username=\"x\" password=\"unterminated; };");
    ck_assert_int_eq(load(&a, true, "", err), -1);
    write_jaas("KafkaServer { m required username=a password=b; };"); /* no Client section */
    ck_assert_int_eq(load(&a, false, "", err), 0);
    ck_assert(!zkauth_enabled(&a));
    unlink(jaas_path);
}
END_TEST

START_TEST(test_acls)
{
    write_jaas("Client { m required username=k password=p; };");
    zkauth_t a;
    char err[256];
    ck_assert_int_eq(load(&a, true, "", err), 0);
    const struct ACL_vector *v = zkauth_acl(&a, "/brokers/topics/t");
    ck_assert_int_eq(v->count, 2);
    ck_assert_str_eq(v->data[0].id.scheme, "auth");
    ck_assert_int_eq(v->data[0].perms, ZOO_PERM_ALL);
    ck_assert_str_eq(v->data[1].id.scheme, "world");
    ck_assert_int_eq(v->data[1].perms, ZOO_PERM_READ);
    ck_assert_int_eq(zkauth_acl(&a, "/config/users")->count, 1);
    ck_assert_int_eq(zkauth_acl(&a, "/config/users/alice")->count, 1);
    ck_assert_int_eq(zkauth_acl(&a, "/kafka-acl/Topic/x")->count, 1);
    ck_assert_int_eq(zkauth_acl(&a, "/config/usersX")->count, 2);
    ck_assert_int_eq(zkauth_acl(&a, "/config")->count, 2);
    ck_assert_ptr_eq(zkauth_acl(&a, "/consumers"), &ZOO_OPEN_ACL_UNSAFE);
    a.set_acl = false; /* a login alone keeps the ACLs open, as Kafka */
    ck_assert_ptr_eq(zkauth_acl(&a, "/brokers/ids"), &ZOO_OPEN_ACL_UNSAFE);
    zkauth_free(&a);
    unlink(jaas_path);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("zkauth");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_client_section);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_acls);
    suite_add_tcase(s, tc);
    return s;
}

TU_MAIN(suite)
