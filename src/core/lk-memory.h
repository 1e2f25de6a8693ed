/* SPDX-License-Identifier: GPL-3.0-or-later
 * Process memory hygiene for the GUI: fewer malloc arenas, and start-up's leftovers given back to the kernel. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Caps glibc's malloc arenas at one for the whole process, unless the
 * user set MALLOC_ARENA_MAX or glibc.malloc.arena_max. Call first in
 * main(), before any thread starts. */
void  lk_memory_limit_arenas       (void);

/* Gives back to the kernel the main thread's stack pages below the
 * current frame (less a safety margin) and the free pages of the malloc
 * heap. Returns the bytes of stack released; 0 when not called on the
 * main thread or when nothing lies below the margin. */
gsize lk_memory_release_unused     (void);

/* The resident size of the main thread's stack, in bytes, from
 * /proc/self/smaps; -1 if it cannot be read. */
gssize lk_memory_stack_resident    (void);

G_END_DECLS
