/* SPDX-License-Identifier: GPL-3.0-or-later
 * Token mode start-up bench: time to the first code painted and resident memory with 200 tokens
 * in the keyring, against OTPClient started in the same session.
 *
 *   bench-token BENCH_TOKEN_WINDOW [RUNS]
 *
 * Run inside tests/common/lk-test-session.sh --xvfb (a private keyring and
 * X server). OTPClient gets the same 200 tokens in its own encrypted
 * database with its password in the same keyring, so it opens straight to
 * its token list. Prints one line per measurement and the ratios. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>

#include "bench-otpclient-db.h"
#include "lk-secure.h"
#include "lk-wallet.h"

#define N_TOKENS 200
#define SETTLE_US (1 * G_USEC_PER_SEC)
#define LIMIT_US (60 * G_USEC_PER_SEC)

/* Stores N_TOKENS fresh tokens in the session keyring and returns them
 * (LkOtpauth), so OTPClient's database gets the very same ones. */
static GPtrArray *
fill_wallet (void)
{
  g_autoptr(LkWallet) wallet = lk_wallet_new ();
  g_autoptr(GPtrArray) existing = NULL;
  g_autoptr(GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_wallet_token_free);
  g_autoptr(GPtrArray) uris = g_ptr_array_new_with_free_func ((GDestroyNotify) lk_otpauth_free);
  g_autoptr(GError) error = NULL;
  const char *issuers[] = { "ACME", "GitHub", "Corporate VPN", "Mail", "Bank", "Cloud", "Payroll", "Wiki" };

  existing = lk_wallet_list_sync (wallet, NULL, &error);
  if (existing == NULL)
    g_error ("keyring: %s", error->message);
  if (existing->len != 0)
    g_error ("the keyring already holds tokens; run the bench in a fresh lk-test-session.sh");

  for (guint i = 0; i < N_TOKENS; i++)
    {
      g_autoptr(LkOtpauth) uri = NULL;
      guint8 seed[20];

      for (guint j = 0; j < sizeof seed; j++)
        seed[j] = (guint8) g_random_int ();
      uri = lk_otpauth_new ();
      uri->type = (i % 10 == 9) ? LK_OTPAUTH_HOTP : LK_OTPAUTH_TOTP;
      uri->issuer = g_strdup (issuers[i % G_N_ELEMENTS (issuers)]);
      g_free (uri->account);
      uri->account = g_strdup_printf ("user%03u@example.com", i);
      g_bytes_unref (uri->secret);
      uri->secret = g_bytes_new (seed, sizeof seed);
      lk_secure_wipe (seed, sizeof seed);
      g_ptr_array_add (batch, lk_wallet_token_new (uri));
      g_ptr_array_add (uris, g_steal_pointer (&uri));
    }

  if (!lk_wallet_add_many_sync (wallet, batch, NULL, NULL, NULL, &error))
    g_error ("keyring: %s", error->message);
  return g_steal_pointer (&uris);
}

/* OTPClient gets the same tokens in its own encrypted database, its
 * password in the same keyring; otpclient-cli must read all of them back
 * before anything is timed. */
static gboolean
prepare_otpclient (GPtrArray *uris)
{
  g_autofree char *db_path = g_build_filename (g_get_home_dir (), "otpclient-db.enc", NULL);
  g_autofree char *program = g_find_program_in_path ("otpclient");
  g_autoptr(GError) error = NULL;
  int count;

  if (program == NULL)
    return FALSE;
  if (!bench_otpclient_db_write (uris, db_path, &error))
    g_error ("OTPClient database: %s", error->message);
  count = bench_otpclient_db_count (&error);
  if (count != N_TOKENS)
    g_error ("otpclient-cli read %d tokens, not %d: %s", count, N_TOKENS,
             error != NULL ? error->message : "");
  printf ("otpclient: database with %d tokens, password in the Secret Service\n", count);
  return TRUE;
}

static long
rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents (path, &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmRSS:");
  return line != NULL ? strtol (line + 6, NULL, 10) : -1;
}

/* With LK_BENCH_SMAPS_DIR set, keeps /proc/PID/smaps of each measured
 * process, taken right after its VmRSS, as DIR/NAME-RUN.smaps: where the
 * resident pages are, mapping by mapping. */
static void
save_smaps (GPid        pid,
            const char *name,
            guint       run)
{
  const char *dir = g_getenv ("LK_BENCH_SMAPS_DIR");
  g_autofree char *path = g_strdup_printf ("/proc/%d/smaps", pid);
  g_autofree char *file = NULL, *target = NULL, *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  if (dir == NULL)
    return;
  file = g_strdup_printf ("%s-%u.smaps", name, run);
  g_strdelimit (file, " ()=", '_');
  target = g_build_filename (dir, file, NULL);
  if (!g_file_get_contents (path, &contents, &length, &error) ||
      !g_file_set_contents (target, contents, length, &error))
    g_printerr ("bench-token: smaps of %d: %s\n", pid, error->message);
}

static void
stop (GPid pid)
{
  int status;

  kill (pid, SIGTERM);
  waitpid (pid, &status, 0);
  g_spawn_close_pid (pid);
}

/* One Latchkey configuration: the renderer the app chooses for itself
 * (lk_renderer_choose: cairo without GL when no GPU device exists, as
 * under Xvfb here), or GTK's default GL renderer forced with
 * GSK_RENDERER=gl (Mesa llvmpipe under Xvfb). */
typedef struct
{
  const char *label;
  const char *gsk_renderer;     /* NULL: the app's own choice */
  char        renderer[64];     /* what the window reported */
  double     *ms, *rss, *toolkit, *built, *loaded, *painted;
} LatchkeyRuns;

/* Latchkey: from exec to the "painted" line the window prints after the
 * first frame that shows codes. */
static gboolean
run_latchkey (const char   *program,
              LatchkeyRuns *config,
              guint         i)
{
  char *argv[] = { (char *) program, NULL };
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GIOChannel) channel = NULL;
  g_autofree char *line = NULL;
  guint rows = 0;
  gint64 start;
  GPid pid;
  int out_fd;

  envp = g_environ_unsetenv (envp, "GSK_RENDERER");
  if (config->gsk_renderer != NULL)
    envp = g_environ_setenv (envp, "GSK_RENDERER", config->gsk_renderer, TRUE);

  start = g_get_monotonic_time ();
  if (!g_spawn_async_with_pipes (NULL, argv, envp, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, NULL,
                                 &out_fd, NULL, &error))
    g_error ("%s", error->message);
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_close_on_unref (channel, TRUE);
  if (g_io_channel_read_line (channel, &line, NULL, NULL, &error) != G_IO_STATUS_NORMAL ||
      !g_str_has_prefix (line, "painted"))
    {
      stop (pid);
      return FALSE;
    }
  config->ms[i] = (g_get_monotonic_time () - start) / 1000.0;
  if (sscanf (line, "painted %u %lf %lf %lf %lf %63s", &rows, &config->toolkit[i], &config->built[i],
              &config->loaded[i], &config->painted[i], config->renderer) != 6 ||
      rows != N_TOKENS)
    g_error ("unexpected report from the window: %s", line);

  g_usleep (SETTLE_US);
  config->rss[i] = rss_kib (pid);
  save_smaps (pid, config->label, i);
  stop (pid);
  return TRUE;
}

/* A program's main window: named @title and at least 450x250 (OTPClient's
 * default is 500x300); its dialogs are smaller or named otherwise. */
static gboolean
has_main_window (Display    *display,
                 Window      window,
                 int         depth,
                 const char *title)
{
  Window root, parent, *children = NULL;
  unsigned int n = 0;
  gboolean found = FALSE;
  XWindowAttributes attrs;

  if (depth > 0 && XGetWindowAttributes (display, window, &attrs) && attrs.map_state == IsViewable &&
      attrs.width >= 450 && attrs.height >= 250)
    {
      char *name = NULL;

      if (XFetchName (display, window, &name) && name != NULL)
        {
          found = strcmp (name, title) == 0;
          XFree (name);
        }
    }
  if (found || depth > 2)
    return found;

  if (XQueryTree (display, window, &root, &parent, &children, &n))
    {
      for (unsigned int i = 0; i < n && !found; i++)
        found = has_main_window (display, children[i], depth + 1, title);
      if (children != NULL)
        XFree (children);
    }
  return found;
}

/* Starts @argv and waits for its main window titled @title: the time from
 * exec to that window being mapped, and VmRSS 1 s later. */
static gboolean
run_until_window (Display     *display,
                  char       **argv,
                  char       **envp,
                  const char  *title,
                  guint        run,
                  double      *out_ms,
                  long        *out_rss)
{
  g_autofree char *name = g_path_get_basename (argv[0]);
  g_autoptr(GError) error = NULL;
  gint64 start;
  GPid pid;

  start = g_get_monotonic_time ();
  if (!g_spawn_async (NULL, argv, envp, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD |
                      G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL, &pid, &error))
    {
      g_printerr ("%s: %s\n", argv[0], error->message);
      return FALSE;
    }

  while (!has_main_window (display, DefaultRootWindow (display), 0, title))
    {
      if (g_get_monotonic_time () - start > LIMIT_US)
        {
          stop (pid);
          return FALSE;
        }
      g_usleep (2000);
    }
  *out_ms = (g_get_monotonic_time () - start) / 1000.0;

  g_usleep (SETTLE_US);
  *out_rss = rss_kib (pid);
  save_smaps (pid, name, run);
  stop (pid);
  return TRUE;
}

/* OTPClient: from exec to its main window being mapped. OTPClient 3.1
 * reads its password from the keyring, decrypts the database and fills
 * its token list before it shows that window, so this is the moment the
 * 200 tokens are on screen (it shows a code only when a row is clicked). */
static gboolean
run_otpclient (Display *display,
               guint    run,
               double  *out_ms,
               long    *out_rss)
{
  char *argv[] = { (char *) "otpclient", NULL };

  return run_until_window (display, argv, NULL, "OTPClient", run, out_ms, out_rss);
}

/* The real `latchkey --token`, which also links admin mode's libraries
 * and registers its D-Bus name: from exec to its window being mapped (it
 * maps before the keyring answers, so this is not "codes shown"), and its
 * memory 1 s later, when the codes are long on screen. */
static gboolean
run_latchkey_app (Display    *display,
                  const char *program,
                  guint       run,
                  double     *out_ms,
                  long       *out_rss)
{
  char *argv[] = { (char *) program, (char *) "--token", NULL };
  g_auto(GStrv) envp = g_environ_unsetenv (g_get_environ (), "GSK_RENDERER");

  return run_until_window (display, argv, envp, "Latchkey", run, out_ms, out_rss);
}

static int
compare_double (const void *a,
                const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *values,
        guint   n)
{
  qsort (values, n, sizeof *values, compare_double);
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

int
main (int    argc,
      char **argv)
{
  g_autofree double *oc_ms = NULL, *oc_rss = NULL, *app_ms = NULL, *app_rss = NULL;
  const char *app = argc > 3 ? argv[3] : NULL;
  g_autoptr(GPtrArray) uris = NULL;
  LatchkeyRuns configs[] = {
    { .label = "latchkey (own renderer choice)", .gsk_renderer = NULL },
    { .label = "latchkey (GSK_RENDERER=gl)", .gsk_renderer = "gl" },
  };
  gboolean have_otpclient;
  Display *display;
  guint runs = argc > 2 ? (guint) atoi (argv[2]) : 5;
  guint oc_runs = 0;
  double oc_med_ms = 0, oc_med_rss = 0;

  if (argc < 2 || runs == 0)
    {
      g_printerr ("usage: bench-token BENCH_TOKEN_WINDOW [RUNS [LATCHKEY]]\n");
      return 2;
    }

  if (g_getenv ("LK_BUILD_ROOT") != NULL)
    {
      g_autofree char *schemas = g_build_filename (g_getenv ("LK_BUILD_ROOT"), "data", NULL);

      g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, TRUE);
    }

  display = XOpenDisplay (NULL);
  if (display == NULL)
    {
      g_printerr ("bench-token: no X display; run it through lk-test-session.sh --xvfb\n");
      return 1;
    }

  uris = fill_wallet ();
  have_otpclient = prepare_otpclient (uris);
  oc_ms = g_new0 (double, runs + 1);
  oc_rss = g_new0 (double, runs + 1);
  app_ms = g_new0 (double, runs + 1);
  app_rss = g_new0 (double, runs + 1);
  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      configs[c].ms = g_new0 (double, runs + 1);
      configs[c].rss = g_new0 (double, runs + 1);
      configs[c].toolkit = g_new0 (double, runs + 1);
      configs[c].built = g_new0 (double, runs + 1);
      configs[c].loaded = g_new0 (double, runs + 1);
      configs[c].painted = g_new0 (double, runs + 1);
    }

  /* Run 0 of each is not counted: it warms the page cache, so all are
   * measured from the same warm start. They alternate run by run, so a
   * change in the machine's load hits all of them alike. */
  for (guint i = 0; i <= runs; i++)
    {
      for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
        {
          LatchkeyRuns *config = &configs[c];

          if (!run_latchkey (argv[1], config, i))
            g_error ("latchkey did not paint a code");
          if (i > 0)
            printf ("run %u %s: first code painted %.1f ms (toolkit %.1f, window built %.1f, keyring read %.1f, "
                    "painted %.1f after main, %s), RSS %.0f KiB\n", i, config->label, config->ms[i],
                    config->toolkit[i], config->built[i], config->loaded[i], config->painted[i], config->renderer,
                    config->rss[i]);
        }

      if (app != NULL)
        {
          long rss = 0;

          if (!run_latchkey_app (display, app, i, &app_ms[i], &rss))
            g_error ("latchkey --token did not map its window");
          app_rss[i] = rss;
          if (i > 0)
            printf ("run %u latchkey --token: window mapped %.1f ms, RSS %ld KiB\n", i, app_ms[i], rss);
        }

      if (have_otpclient)
        {
          long rss = 0;

          if (!run_otpclient (display, i, &oc_ms[oc_runs], &rss))
            g_error ("OTPClient did not show its main window");
          oc_rss[oc_runs] = rss;
          if (i > 0)
            printf ("run %u otpclient: token list shown %.1f ms, RSS %ld KiB\n", i, oc_ms[oc_runs], rss);
          if (i > 0)
            oc_runs++;
        }
    }

  if (oc_runs > 0)
    {
      oc_med_ms = median (oc_ms, oc_runs);
      oc_med_rss = median (oc_rss, oc_runs);
      printf ("otpclient 3.1 (%u tokens, token list shown): median %.1f ms, RSS %.1f MiB\n",
              N_TOKENS, oc_med_ms, oc_med_rss / 1024);
    }
  else
    {
      printf ("otpclient: not installed; no ratio\n");
    }

  for (guint c = 0; c < G_N_ELEMENTS (configs); c++)
    {
      LatchkeyRuns *config = &configs[c];
      double med_ms = median (config->ms + 1, runs);
      double med_rss = median (config->rss + 1, runs);

      printf ("%s, %s (%u tokens, first code painted): median %.1f ms, RSS %.1f MiB\n",
              config->label, config->renderer, N_TOKENS, med_ms, med_rss / 1024);
      printf ("  phases after main(), medians: toolkit ready %.1f ms, window built %.1f ms, tokens read %.1f ms, "
              "first code painted %.1f ms\n",
              median (config->toolkit + 1, runs), median (config->built + 1, runs), median (config->loaded + 1, runs),
              median (config->painted + 1, runs));
      if (oc_runs > 0)
        printf ("  ratio to otpclient: start %.2f, memory %.2f\n", med_ms / oc_med_ms, med_rss / oc_med_rss);
      g_free (config->ms);
      g_free (config->rss);
      g_free (config->toolkit);
      g_free (config->built);
      g_free (config->loaded);
      g_free (config->painted);
    }

  if (app != NULL)
    {
      double med_rss = median (app_rss + 1, runs);

      printf ("latchkey --token (the application, own renderer choice): window mapped median %.1f ms, "
              "RSS %.1f MiB\n", median (app_ms + 1, runs), med_rss / 1024);
      if (oc_runs > 0)
        printf ("  ratio to otpclient: memory %.2f\n", med_rss / oc_med_rss);
    }

  XCloseDisplay (display);
  return 0;
}
