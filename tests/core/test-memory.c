/* SPDX-License-Identifier: GPL-3.0-or-later
 * Tests the memory hygiene helpers: the main thread's unused stack given back, one malloc arena. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "lk-memory.h"

#define FRAME_BYTES (16 * 1024)

/* Touches @depth frames of FRAME_BYTES each (512 KiB for 32) and returns
 * a sum the compiler cannot fold, so every frame is really written. */
static __attribute__ ((noinline)) guint64
touch_stack (guint depth)
{
  volatile guint8 frame[FRAME_BYTES];
  guint64 sum = 0;

  for (gsize i = 0; i < sizeof frame; i += 512)
    frame[i] = (guint8) (i / 512 + depth);
  if (depth > 0)
    sum = touch_stack (depth - 1);
  for (gsize i = 0; i < sizeof frame; i += 512)
    sum += frame[i];
  return sum;
}

static guint64
expected_sum (guint depth)
{
  guint64 sum = 0;

  for (guint d = 0; d <= depth; d++)
    for (gsize i = 0; i < FRAME_BYTES; i += 512)
      sum += (guint8) (i / 512 + d);
  return sum;
}

static void
test_release_stack (void)
{
  gssize before, after;
  gsize released;

  g_assert_cmpuint (touch_stack (32), ==, expected_sum (32));
  before = lk_memory_stack_resident ();
  g_assert_cmpint (before, >=, 512 * 1024);

  released = lk_memory_release_unused ();
  after = lk_memory_stack_resident ();
  g_test_message ("stack resident %" G_GSSIZE_FORMAT " KiB before, %" G_GSSIZE_FORMAT " KiB after, %" G_GSIZE_FORMAT
                  " KiB released", before / 1024, after / 1024, released / 1024);
  g_assert_cmpuint (released, >=, 256 * 1024);
  g_assert_cmpint (after, <=, before - 256 * 1024);

  /* The released pages come back (zeroed) when the stack grows again. */
  g_assert_cmpuint (touch_stack (32), ==, expected_sum (32));
  g_assert_cmpint (lk_memory_stack_resident (), >=, 512 * 1024);
}

static gpointer
release_in_thread (gpointer data)
{
  return GSIZE_TO_POINTER (lk_memory_release_unused ());
}

static void
test_release_other_thread (void)
{
  g_autoptr(GThread) thread = NULL;

  /* [stack] is the main thread's: another thread must not touch it. */
  g_assert_cmpuint (touch_stack (32), ==, expected_sum (32));
  thread = g_thread_new ("release", release_in_thread, NULL);
  g_assert_cmpuint (GPOINTER_TO_SIZE (g_thread_join (g_steal_pointer (&thread))), ==, 0);
  g_assert_cmpint (lk_memory_stack_resident (), >=, 512 * 1024);
}

/* Arena helpers: glibc's malloc only (AddressSanitizer replaces it). */
#ifndef __SANITIZE_ADDRESS__
static gpointer
allocate_in_thread (gpointer data)
{
  GAsyncQueue *start = data;
  gpointer block;

  /* All threads allocate at once: each would get an arena of its own. */
  g_async_queue_pop (start);
  block = malloc (4096);
  memset (block, 1, 4096);
  g_usleep (100 * 1000);
  free (block);
  return NULL;
}

static guint
count_arenas (void)
{
  char *xml = NULL;
  size_t size = 0;
  FILE *stream = open_memstream (&xml, &size);
  guint count = 0;

  g_assert_nonnull (stream);
  g_assert_cmpint (malloc_info (0, stream), ==, 0);
  fclose (stream);
  for (const char *p = xml; (p = strstr (p, "<heap nr=")) != NULL; p++)
    count++;
  free (xml);
  return count;
}

/* Six threads allocating at the same moment. */
static void
run_allocating_threads (void)
{
  g_autoptr(GAsyncQueue) start = g_async_queue_new ();
  GThread *threads[6];

  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("alloc", allocate_in_thread, start);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_async_queue_push (start, GUINT_TO_POINTER (1));
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
}
#endif

/* In a fresh process, as main() does it: an arena made by an earlier
 * test's thread would stay whatever the cap says afterwards. */
static void
test_limit_arenas (void)
{
#ifdef __SANITIZE_ADDRESS__
  g_test_skip ("malloc is AddressSanitizer's: glibc's arenas are not used");
#else
  if (g_test_subprocess ())
    {
      lk_memory_limit_arenas ();
      run_allocating_threads ();
      g_test_message ("malloc arenas: %u", count_arenas ());
      g_assert_cmpuint (count_arenas (), ==, 1);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
#endif
}

/* A user's MALLOC_ARENA_MAX is left alone: glibc read none at start here,
 * so with the variable set afterwards the cap is not applied and the
 * threads get arenas of their own. */
static void
test_user_arena_setting (void)
{
#ifdef __SANITIZE_ADDRESS__
  g_test_skip ("malloc is AddressSanitizer's: glibc's arenas are not used");
#else
  if (g_test_subprocess ())
    {
      g_setenv ("MALLOC_ARENA_MAX", "8", TRUE);
      lk_memory_limit_arenas ();
      run_allocating_threads ();
      g_test_message ("malloc arenas: %u", count_arenas ());
      g_assert_cmpuint (count_arenas (), >, 2);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
#endif
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_test_add_func ("/core/memory/release-stack", test_release_stack);
  g_test_add_func ("/core/memory/release-other-thread", test_release_other_thread);
  g_test_add_func ("/core/memory/user-arena-setting", test_user_arena_setting);
  g_test_add_func ("/core/memory/limit-arenas", test_limit_arenas);
  return g_test_run ();
}
