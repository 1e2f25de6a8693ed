/* SPDX-License-Identifier: GPL-3.0-or-later
 * LkReactor: the epoll set of latchkeyd's connections as one GSource.
 *
 * The main context polls a single file descriptor (the epoll set) however
 * many connections are open, and one dispatch handles every ready socket:
 * GLib's own per-source poll would cost O(connections) per iteration. */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>

#include "lk-reactor.h"
#include "lk-server-error.h"

#define MAX_EVENTS 256

typedef struct
{
  GSource    source;
  LkReactor *reactor;
} ReactorSource;

typedef struct
{
  gpointer       data;
  GDestroyNotify destroy;
} Deferred;

struct _LkReactor
{
  int             epoll_fd;
  int             wake_fd;
  LkReactorWatch  wake_watch;
  gint            wake_pending;
  GSourceFunc     wake_func;
  gpointer        wake_data;
  GSourceFunc     batch_end_func;
  gpointer        batch_end_data;
  GSource        *source;
  gpointer        source_tag;
  gboolean        dispatching;
  GArray         *deferred;    /* of Deferred */
};

static void
run_deferred (LkReactor *self)
{
  /* A destroy function may defer more: loop until none is left. */
  while (self->deferred->len > 0)
    {
      Deferred d = g_array_index (self->deferred, Deferred, self->deferred->len - 1);

      g_array_set_size (self->deferred, self->deferred->len - 1);
      d.destroy (d.data);
    }
}

static gboolean
source_dispatch (GSource     *source,
                 GSourceFunc  callback,
                 gpointer     user_data)
{
  LkReactor *self = ((ReactorSource *) source)->reactor;
  struct epoll_event events[MAX_EVENTS];
  int n;

  n = epoll_wait (self->epoll_fd, events, MAX_EVENTS, 0);
  if (n < 0 && errno != EINTR)
    g_warning ("epoll_wait: %s", g_strerror (errno));
  self->dispatching = TRUE;
  for (int i = 0; i < n; i++)
    {
      LkReactorWatch *watch = events[i].data.ptr;

      /* Unwatched by an earlier event of this batch: its fd is -1. */
      if (watch->fd >= 0)
        watch->func (watch->data, events[i].events);
    }
  if (self->batch_end_func != NULL)
    self->batch_end_func (self->batch_end_data);
  self->dispatching = FALSE;
  run_deferred (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs reactor_source_funcs = {
  .dispatch = source_dispatch,
};

static void
on_wake (gpointer data,
         guint32  events)
{
  LkReactor *self = data;
  guint64 count;

  /* Cleared before the callback: a wake during it schedules another run. */
  if (read (self->wake_fd, &count, sizeof count) < 0 && errno != EAGAIN)
    g_warning ("eventfd read: %s", g_strerror (errno));
  g_atomic_int_set (&self->wake_pending, 0);
  if (self->wake_func != NULL)
    self->wake_func (self->wake_data);
}

LkReactor *
lk_reactor_new (GMainContext  *context,
                GError       **error)
{
  LkReactor *self = g_new0 (LkReactor, 1);

  self->deferred = g_array_new (FALSE, FALSE, sizeof (Deferred));
  self->wake_fd = -1;
  self->epoll_fd = epoll_create1 (EPOLL_CLOEXEC);
  if (self->epoll_fd < 0)
    goto fail;
  self->wake_fd = eventfd (0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (self->wake_fd < 0)
    goto fail;
  if (!lk_reactor_watch (self, &self->wake_watch, self->wake_fd, EPOLLIN, on_wake, self, error))
    {
      lk_reactor_free (self);
      return NULL;
    }

  self->source = g_source_new (&reactor_source_funcs, sizeof (ReactorSource));
  ((ReactorSource *) self->source)->reactor = self;
  g_source_set_name (self->source, "lk-reactor");
  self->source_tag = g_source_add_unix_fd (self->source, self->epoll_fd, G_IO_IN);
  g_source_attach (self->source, context);
  return self;

fail:
  g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_LISTEN, "epoll: %s", g_strerror (errno));
  lk_reactor_free (self);
  return NULL;
}

void
lk_reactor_free (LkReactor *self)
{
  if (self == NULL)
    return;
  if (self->source != NULL)
    {
      g_source_destroy (self->source);
      g_source_unref (self->source);
    }
  run_deferred (self);
  g_array_unref (self->deferred);
  if (self->wake_fd >= 0)
    close (self->wake_fd);
  if (self->epoll_fd >= 0)
    close (self->epoll_fd);
  g_free (self);
}

gboolean
lk_reactor_watch (LkReactor       *self,
                  LkReactorWatch  *watch,
                  int              fd,
                  guint32          events,
                  LkReactorFunc    func,
                  gpointer         data,
                  GError         **error)
{
  struct epoll_event event = { .events = events, .data.ptr = watch };

  watch->fd = fd;
  watch->events = events;
  watch->func = func;
  watch->data = data;
  if (epoll_ctl (self->epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0)
    {
      g_set_error (error, LK_SERVER_ERROR, LK_SERVER_ERROR_LISTEN, "epoll_ctl: %s", g_strerror (errno));
      watch->fd = -1;
      return FALSE;
    }
  return TRUE;
}

void
lk_reactor_update (LkReactor      *self,
                   LkReactorWatch *watch,
                   guint32         events)
{
  struct epoll_event event = { .events = events, .data.ptr = watch };

  if (watch->fd < 0 || watch->events == events)
    return;
  watch->events = events;
  if (epoll_ctl (self->epoll_fd, EPOLL_CTL_MOD, watch->fd, &event) < 0)
    g_warning ("epoll_ctl: %s", g_strerror (errno));
}

void
lk_reactor_unwatch (LkReactor      *self,
                    LkReactorWatch *watch)
{
  if (watch->fd < 0)
    return;
  epoll_ctl (self->epoll_fd, EPOLL_CTL_DEL, watch->fd, NULL);
  watch->fd = -1;
}

void
lk_reactor_defer_free (LkReactor      *self,
                       gpointer        data,
                       GDestroyNotify  destroy)
{
  Deferred d = { data, destroy };

  if (!self->dispatching)
    {
      destroy (data);
      return;
    }
  g_array_append_val (self->deferred, d);
}

void
lk_reactor_set_batch_end_func (LkReactor   *self,
                               GSourceFunc  func,
                               gpointer     data)
{
  self->batch_end_func = func;
  self->batch_end_data = data;
}

gboolean
lk_reactor_is_dispatching (LkReactor *self)
{
  return self->dispatching;
}

void
lk_reactor_set_wake_func (LkReactor   *self,
                          GSourceFunc  func,
                          gpointer     data)
{
  self->wake_func = func;
  self->wake_data = data;
}

void
lk_reactor_wake (LkReactor *self)
{
  guint64 one = 1;

  /* Only the first wake-up since the last run writes: a committer that
   * finishes a group of 200 costs the reactor one system call, not 200. */
  if (!g_atomic_int_compare_and_exchange (&self->wake_pending, 0, 1))
    return;
  if (write (self->wake_fd, &one, sizeof one) < 0 && errno != EAGAIN)
    g_warning ("eventfd write: %s", g_strerror (errno));
}
