package dev.docref.trap;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

import dev.docref.guard.DaemonThreads;

/**
 * The thread that runs a capture's reads that may hang ({@code /proc/PID/smaps_rollup}, this JVM's thread dumps),
 * each with a timeout, created before any capture so that a read does not have to create a thread.
 * <p>
 * A new thread maps its stack, which waits for the process's {@code mmap_lock}: during the very freeze a capture
 * records (a writer holding that lock), a read that started a thread of its own would wait in {@link Thread#start()}
 * before its timeout began, and the timeout that is itself evidence would never be written. So the
 * {@code docref-trap-evidence} thread, created with the reader, runs every read; the timeout counts from the hand-over
 * to that waiting thread, which takes microseconds, so it measures the read. A read still running at its timeout (or
 * when its caller is interrupted) is abandoned with its thread, which is interrupted and ends once the read returns.
 * The next read then creates a new thread, the only case in which a read creates one, so that it does not queue
 * behind the hung read; that creation may itself wait for the lock that hung the read, and is not timed.
 * <p>
 * <b>Thread-safety:</b> {@link #read} and {@link #close()} may be called from any thread; reads run one at a time
 * (the trap's capture thread makes them). <b>Ownership:</b> the trap creates its reader in {@code start()} and closes
 * it in {@code close()}, which ends the thread; a given-up thread ends when its read returns. {@code close()} waits,
 * for a while, for both.
 */
final class EvidenceReader implements AutoCloseable
{
    static final String THREAD_NAME = "docref-trap-evidence";

    /** Held while a read runs, so that reads take turns on the one thread. */
    private final Object reading = new Object();
    /** The thread for the next read; {@code null} after a read gave it up, or once closed. Guarded by this. */
    private Worker worker;
    /**
     * Every thread this reader started that may still run: the current worker's and those of reads given up, for
     * {@link #close} to wait for. Guarded by this.
     */
    private final List<Thread> threads = new ArrayList<>();
    /** Guarded by this. */
    private boolean closed;

    /** Creates the reader and starts its thread. */
    EvidenceReader()
    {
        synchronized (this)
        {
            this.worker = newWorker();
        }
    }

    /**
     * Runs {@code reader} on the evidence thread and waits for it, at most {@code timeout}.
     *
     * @param what what is read, for the line that replaces a read that timed out or failed.
     * @return what {@code reader} returned, or one line saying that it timed out, failed or was interrupted.
     */
    String read(final Supplier<String> reader, final Duration timeout, final String what)
    {
        synchronized (reading)
        {
            final Worker current;
            synchronized (this)
            {
                if (closed)
                {
                    return "(not read: the trap is closed: " + what + ")\n";
                }
                if (worker == null)
                {
                    // The last read hung and kept its thread: the one case that creates a thread.
                    worker = newWorker();
                }
                current = worker;
            }
            final CompletableFuture<String> result = new CompletableFuture<>();
            final long deadline = System.nanoTime() + timeout.toNanos();
            boolean handedOver = false;
            try
            {
                if (Thread.interrupted())
                {
                    // Checked first: an offer to a waiting thread would hand the read over all the same.
                    throw new InterruptedException();
                }
                handedOver = current.tasks.offer(() -> run(reader, result), timeout.toNanos(), TimeUnit.NANOSECONDS);
                if (!handedOver)
                {
                    // Not taken: the thread is gone or stuck, as a hung read would leave it.
                    giveUp(current);
                    throw new TimeoutException();
                }
                return result.get(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            }
            catch (final TimeoutException ex)
            {
                return "(timed out after " + timeout.toMillis() + " ms: " + what + ")\n";
            }
            catch (final ExecutionException ex)
            {
                return "(failed: " + what + ": " + ex.getCause() + ")\n";
            }
            catch (final InterruptedException ex)
            {
                Thread.currentThread().interrupt();
                return "(interrupted: " + what + ")\n";
            }
            finally
            {
                if (handedOver && !result.isDone())
                {
                    giveUp(current);
                }
            }
        }
    }

    /** As {@link #close(long)}, waiting up to {@link FreezeTrap#CLOSE_WAIT}. */
    @Override
    public void close()
    {
        close(System.nanoTime() + FreezeTrap.CLOSE_WAIT.toNanos());
    }

    /**
     * Ends the evidence thread, at once if it waits for a read, else when its read returns, and waits for it and for
     * the threads of reads given up before, until {@code deadlineNanos} ({@link System#nanoTime()}) at the latest: a
     * read the kernel holds keeps its thread past that.
     */
    void close(final long deadlineNanos)
    {
        final Worker last;
        final List<Thread> started;
        synchronized (this)
        {
            closed = true;
            last = worker;
            worker = null;
            started = new ArrayList<>(threads);
            threads.clear();
        }
        if (last != null)
        {
            last.retire();
        }
        for (final Thread thread : started)
        {
            FreezeTrap.awaitEnd(thread, deadlineNanos);
        }
    }

    /**
     * A worker with its thread started, remembered for {@link #close}; forgets threads that have ended. Call holding
     * this.
     */
    private Worker newWorker()
    {
        threads.removeIf(thread -> !thread.isAlive());
        final Worker created = new Worker();
        threads.add(created.thread);
        return created;
    }

    private synchronized void giveUp(final Worker hung)
    {
        if (worker == hung)
        {
            worker = null;
        }
        hung.retire();
    }

    private static void run(final Supplier<String> reader, final CompletableFuture<String> result)
    {
        try
        {
            result.complete(reader.get());
        }
        catch (final RuntimeException | Error ex)
        {
            result.completeExceptionally(ex);
        }
    }

    /** One evidence thread, waiting for reads handed to it one at a time. */
    private static final class Worker
    {
        final SynchronousQueue<Runnable> tasks = new SynchronousQueue<>();
        private final Thread thread;
        private volatile boolean retired;

        Worker()
        {
            thread = DaemonThreads.newThread(THREAD_NAME, this::serve);
            thread.start();
        }

        private void serve()
        {
            while (!retired)
            {
                final Runnable task;
                try
                {
                    task = tasks.take();
                }
                catch (final InterruptedException ex)
                {
                    return;
                }
                task.run();
            }
        }

        /**
         * Ends the thread: at once if it waits for a read, else when its read returns. The interrupt ends a read
         * only where the read heeds one (a read from a file channel does; a thread dump's wait for a safepoint, or a
         * read the kernel holds waiting for a lock, does not), and nobody waits for that read's result any more.
         */
        void retire()
        {
            retired = true;
            thread.interrupt();
        }
    }
}
