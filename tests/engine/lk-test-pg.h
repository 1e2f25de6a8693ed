/* SPDX-License-Identifier: GPL-3.0-or-later
 * Lets the engine tests run on PostgreSQL: under tests/common/lk-with-pg.sh
 * (LK_TEST_STORE=pg) each test gets a database of its own in the private
 * cluster, created here and dropped afterwards. */
#pragma once

#include <unistd.h>
#include <glib.h>
#include <libpq-fe.h>

static inline gboolean
lk_test_pg_enabled (void)
{
  return g_strcmp0 (g_getenv ("LK_TEST_STORE"), "pg") == 0;
}

static inline void
lk_test_pg_admin (const char *sql)
{
  PGconn *conn = PQconnectdb (g_getenv ("LK_TEST_PG_URI"));
  PGresult *res;

  g_assert_cmpint (PQstatus (conn), ==, CONNECTION_OK);
  res = PQexec (conn, sql);
  if (PQresultStatus (res) != PGRES_COMMAND_OK)
    g_error ("%s: %s", sql, PQerrorMessage (conn));
  PQclear (res);
  PQfinish (conn);
}

/* Creates an empty database; returns its name, and its connection string in
 * @out_conninfo. */
static inline char *
lk_test_pg_create_db (char **out_conninfo)
{
  static gint counter;
  char *name = g_strdup_printf ("lk_test_%d_%d", (int) getpid (), g_atomic_int_add (&counter, 1));
  g_autofree char *sql = g_strdup_printf ("CREATE DATABASE %s", name);

  lk_test_pg_admin (sql);
  /* In a conninfo string the last dbname wins. */
  *out_conninfo = g_strdup_printf ("%s dbname=%s", g_getenv ("LK_TEST_PG_URI"), name);
  return name;
}

static inline void
lk_test_pg_drop_db (const char *name)
{
  g_autofree char *sql = g_strdup_printf ("DROP DATABASE IF EXISTS %s WITH (FORCE)", name);

  lk_test_pg_admin (sql);
}
