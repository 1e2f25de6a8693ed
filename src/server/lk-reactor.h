/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkReactor: one epoll set driven from a GMainContext, plus a thread-safe wake-up (eventfd). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _LkReactor LkReactor;

/* @events are EPOLLIN/EPOLLOUT/EPOLLERR/EPOLLHUP bits. */
typedef void (*LkReactorFunc) (gpointer  data,
                               guint32   events);

/* One watched file descriptor; the caller embeds it in its own object and
 * keeps it alive until lk_reactor_unwatch() and the end of the dispatch
 * (see lk_reactor_defer_free()). */
typedef struct
{
  int            fd;
  guint32        events;
  LkReactorFunc  func;
  gpointer       data;
} LkReactorWatch;

/* Attaches to @context: the reactor's callbacks run in whatever thread
 * iterates it (latchkeyd's main thread). */
LkReactor  *lk_reactor_new          (GMainContext    *context,
                                     GError         **error);
void        lk_reactor_free         (LkReactor       *reactor);

gboolean    lk_reactor_watch        (LkReactor       *reactor,
                                     LkReactorWatch  *watch,
                                     int              fd,
                                     guint32          events,
                                     LkReactorFunc    func,
                                     gpointer         data,
                                     GError         **error);
/* Changes the events watched; no system call when they are the same. */
void        lk_reactor_update       (LkReactor       *reactor,
                                     LkReactorWatch  *watch,
                                     guint32          events);
void        lk_reactor_unwatch      (LkReactor       *reactor,
                                     LkReactorWatch  *watch);

/* Frees @data after the events already fetched have been dispatched: an
 * object closed by one event may still be named by a later one of the
 * same batch. Outside a dispatch it is freed at once. */
void        lk_reactor_defer_free   (LkReactor       *reactor,
                                     gpointer         data,
                                     GDestroyNotify   destroy);

/* Called at the end of each dispatch, after every ready event was
 * handled: work gathered from many connections can be handed on at once. */
void        lk_reactor_set_batch_end_func (LkReactor *reactor,
                                           GSourceFunc func,
                                           gpointer   data);
/* TRUE while the reactor's callbacks run (the batch-end function follows). */
gboolean    lk_reactor_is_dispatching (LkReactor *reactor);

/* Called in the reactor's thread after lk_reactor_wake(). */
void        lk_reactor_set_wake_func (LkReactor      *reactor,
                                      GSourceFunc     func,
                                      gpointer        data);
/* Any thread: makes the wake function run soon. Wake-ups that arrive
 * before it runs are merged into one. */
void        lk_reactor_wake         (LkReactor       *reactor);

G_END_DECLS
