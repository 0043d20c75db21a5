package dev.docref.guard;

import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DaemonThreadsTest
{
    private static final InheritableThreadLocal<Object> REQUEST_CONTEXT = new InheritableThreadLocal<>();

    @Test
    void aThreadCreatedFromAnApplicationThreadTakesNothingFromIt() throws Exception
    {
        final AtomicReference<Thread> created = new AtomicReference<>();
        final AtomicReference<Object> seenOnCreated = new AtomicReference<>("not run");
        final AtomicReference<Object> seenOnApplicationThread = new AtomicReference<>();
        try (URLClassLoader applicationLoader = new URLClassLoader(new URL[0], getClass().getClassLoader()))
        {
            // An application thread as a container would run it: its own context class loader, a request's context
            // in an inheritable thread-local, a high priority. It is the first to need a docref thread.
            final Thread application = new Thread(() ->
            {
                REQUEST_CONTEXT.set("request 42");
                seenOnApplicationThread.set(REQUEST_CONTEXT.get());
                final Thread thread = DaemonThreads.newThread("docref-test", () -> seenOnCreated.set(
                    REQUEST_CONTEXT.get()));
                created.set(thread);
                thread.start();
            });
            application.setContextClassLoader(applicationLoader);
            application.setPriority(Thread.MAX_PRIORITY);
            application.start();
            application.join();
        }
        final Thread thread = created.get();
        thread.join();

        assertEquals("request 42", seenOnApplicationThread.get(), "the inheritable thread-local was set");
        assertNull(seenOnCreated.get(), "the docref thread must not inherit the application's thread-local values");
        assertNull(thread.getContextClassLoader(), "the docref thread must not keep the application's class loader");
        assertTrue(thread.isDaemon());
        assertEquals(Thread.NORM_PRIORITY, thread.getPriority());
        assertEquals("docref-test", thread.getName());
    }

    @Test
    void nameAndTaskAreRequired()
    {
        assertThrows(NullPointerException.class, () -> DaemonThreads.newThread(null, Thread::yield));
        assertThrows(NullPointerException.class, () -> DaemonThreads.newThread("docref-test", null));
    }
}
