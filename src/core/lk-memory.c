/* SPDX-License-Identifier: GPL-3.0-or-later
 * Process memory hygiene for the GUI: fewer malloc arenas, and start-up's leftovers given back to the kernel. */
#include "config.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "lk-memory.h"

/* Pages just below the caller's frame stay: the callers of the caller
 * are above it, and whatever runs next reuses the first pages below. */
#define STACK_MARGIN (64 * 1024)

void
lk_memory_limit_arenas (void)
{
  /* glibc gives each thread that allocates while another holds the main
   * arena its own arena (up to 8 per core), each keeping its free chunks
   * for itself. The GUI's threads (GDBus, GLib's worker, GTask pool,
   * dconf, pango's font-map thread) allocate little and seldom at once,
   * so they share the main one: a second arena kept about 1.5 MiB of
   * fontconfig's and D-Bus's chunks apart from the heap that
   * lk_memory_release_unused() trims (docs/performance.md, token mode).
   * A user who tuned malloc keeps the setting. */
  if (g_getenv ("MALLOC_ARENA_MAX") != NULL ||
      strstr (g_getenv ("GLIBC_TUNABLES") != NULL ? g_getenv ("GLIBC_TUNABLES") : "", "arena_max") != NULL)
    return;
  mallopt (M_ARENA_MAX, 1);
}

/* Finds the main thread's stack mapping in /proc/self/maps ("[stack]"). */
static gboolean
find_stack (guintptr *start,
            guintptr *end)
{
  g_autofree char *maps = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/maps", &maps, NULL, NULL))
    return FALSE;
  lines = g_strsplit (maps, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *rest = NULL;

      if (!g_str_has_suffix (lines[i], "[stack]"))
        continue;
      *start = (guintptr) g_ascii_strtoull (lines[i], &rest, 16);
      if (rest == NULL || *rest != '-')
        return FALSE;
      *end = (guintptr) g_ascii_strtoull (rest + 1, NULL, 16);
      return *end > *start;
    }
  return FALSE;
}

gsize
lk_memory_release_unused (void)
{
  volatile char here = 0;
  guintptr start = 0, end = 0, low;
  gsize page = (gsize) sysconf (_SC_PAGESIZE);
  gsize released = 0;

  /* glibc returns only the top of the heap by itself; the free pages
   * between live chunks stay resident until malloc_trim. */
  malloc_trim (0);

  /* The stack keeps every page it ever touched: GTK 4.8 builds the CSS
   * selector tree recursively when libadwaita loads its style sheet, and
   * that leaves ~650 KiB of the main thread's stack resident for the life
   * of the process. Pages below the stack pointer hold nothing live (the
   * x86-64 ABI's red zone is 128 bytes), so they can be dropped; they come
   * back zeroed if the stack grows again. [stack] is the main thread's. */
  if (getpid () != (pid_t) syscall (SYS_gettid) || !find_stack (&start, &end))
    return 0;
  low = ((guintptr) &here - STACK_MARGIN) & ~(guintptr) (page - 1);
  if (low <= start || low > end)
    return 0;
  if (madvise ((void *) start, low - start, MADV_DONTNEED) == 0)
    released = low - start;
  return released;
}

gssize
lk_memory_stack_resident (void)
{
  g_autofree char *smaps = NULL;
  const char *stack, *rss;

  if (!g_file_get_contents ("/proc/self/smaps", &smaps, NULL, NULL))
    return -1;
  stack = strstr (smaps, "[stack]\n");
  rss = stack != NULL ? strstr (stack, "\nRss:") : NULL;
  if (rss == NULL)
    return -1;
  return (gssize) g_ascii_strtoll (rss + 5, NULL, 10) * 1024;
}
