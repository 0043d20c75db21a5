package dev.docref.guard;

import java.util.Objects;

/**
 * Creates every thread docref starts for itself: the one place, used by guard, core and trap.
 * <p>
 * Such a thread is often started by whichever application thread happens to need it first (a put that splits a
 * segment starts core's {@code docref-block-preparer}, the first allocation check starts the global guard's config
 * watcher) and then lives as long as the JVM or the object that owns it. A plain {@code new Thread} would copy that
 * application thread's {@link InheritableThreadLocal} values, keeping whatever they refer to (a request's context, a
 * tenant, a logging context) reachable for as long as the thread lives, and would keep its context class loader, which
 * pins an application's class loader after a redeploy. So a docref thread is:
 * <ul>
 *     <li>a daemon, so it never keeps the JVM from exiting;</li>
 *     <li>created without inherited thread-local values;</li>
 *     <li>without a context class loader ({@code null}: nothing docref runs on it looks one up), unless its
 *     creator names one because the thread runs the application's code (the freeze trap's probe and capture
 *     threads);</li>
 *     <li>at {@link Thread#NORM_PRIORITY}, whatever the priority of the thread that created it.</li>
 * </ul>
 * <b>Thread-safety:</b> stateless; safe from any thread.
 */
public final class DaemonThreads
{
    private DaemonThreads()
    {
    }

    /**
     * A new, not yet started daemon thread as described in the class comment.
     *
     * @param name the thread's name, starting with {@code docref-} so that thread dumps say whose it is.
     * @param task what the thread runs.
     * @return the thread; the caller starts it.
     */
    public static Thread newThread(final String name, final Runnable task)
    {
        return newThread(name, task, null);
    }

    /**
     * A new, not yet started daemon thread as described in the class comment, for a thread that runs the
     * application's code and so gets the context class loader its creator names.
     *
     * @param name               the thread's name, starting with {@code docref-}.
     * @param task               what the thread runs.
     * @param contextClassLoader the thread's context class loader, or null for none.
     * @return the thread; the caller starts it.
     */
    public static Thread newThread(final String name, final Runnable task, final ClassLoader contextClassLoader)
    {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(task, "task");
        final Thread thread = new Thread(null, task, name, 0, false);
        thread.setDaemon(true);
        thread.setContextClassLoader(contextClassLoader);
        thread.setPriority(Thread.NORM_PRIORITY);
        return thread;
    }
}
