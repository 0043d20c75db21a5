package dev.docref.core;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import dev.docref.guard.DaemonThreads;
import dev.docref.guard.PropertyValues;

/**
 * The one JVM-wide daemon thread, {@value #THREAD_NAME}, that allocates and touches the blocks a growing map's
 * {@link BlockReserve} keeps ready, so that no put waits for {@code malloc} or a page fault.
 * <p>
 * Why a thread: a split takes its blocks from the reserve, but someone has to fault the reserve's pages in, and a
 * first touch is the operating system's work, not the map's. On the AMD EPYC virtual machine of 2026-11-30, touching
 * fresh {@code malloc}'d memory one 4 KiB page at a time took 13 us per page on average, and 91-113 of the 524,280
 * touches of 2 GiB took over 1 ms (worst 15-21 ms; re-touching the same pages: none over 1 ms, worst 0.12 ms). Done
 * on puts, one page per put, each of those slow faults was a slow put. Done here, puts only help while the reserve
 * runs low ({@link BlockReserve#HELP_BELOW}): growing to 58.7M there, the p99 put fell from 7.20 to 1.01 us and the
 * writer's total time to 0.91x, tails unchanged ({@code bench/results/2026-11-30-block-preparer.md}).
 * <p>
 * The thread starts with the first map that wants a block prepared and then serves every map of the JVM in turn
 * (requests are rare: one per block a split consumes). Turned off by {@value #PROP_NAME}{@code =off}: maps then
 * prepare blocks on their puts, one allocation or one page per put, as before.
 * <p>
 * <b>Thread-safety:</b> thread-safe: a concurrent queue, a counter, and the thread reference under the class lock.
 */
final class BlockPreparer
{
    /** System property: {@code on} (default) or {@code off}. */
    static final String PROP_NAME = "docref.prepare.thread";
    static final String THREAD_NAME = "docref-block-preparer";

    private static final System.Logger LOGGER = System.getLogger(BlockPreparer.class.getName());
    private static final LinkedBlockingQueue<BlockReserve> QUEUE = new LinkedBlockingQueue<>();
    /** Requests submitted and not yet served; a served request that wants more submits before it counts down. */
    private static final AtomicInteger PENDING = new AtomicInteger();
    private static Thread thread;
    /** Whether a failure to start the thread was logged; guarded by the class lock, as {@link #thread} is. */
    private static boolean startFailureLogged;

    /** The values of {@value #PROP_NAME}. */
    enum Setting
    {
        ON, OFF
    }

    private BlockPreparer()
    {
    }

    /**
     * Whether maps built now prepare their blocks on this thread.
     *
     * @throws IllegalArgumentException naming the property, the value and the accepted ones, if {@value #PROP_NAME}
     *                                  is set to something else than on or off.
     */
    static boolean enabledByProperty()
    {
        try
        {
            return PropertyValues.parseEnum(PROP_NAME, System.getProperty(PROP_NAME, "on"), Setting.class) ==
                Setting.ON;
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(ex.getMessage() + "; on, the default, prepares a growing map's " +
                "blocks on the " + THREAD_NAME + " thread, off on the map's puts, one page per put.", ex);
        }
    }

    /** Ask for one block to be prepared for {@code reserve}; the reserve queues itself at most once at a time. */
    static void submit(final BlockReserve reserve)
    {
        PENDING.incrementAndGet();
        QUEUE.add(reserve);
        startOnce();
    }

    /**
     * For tests: wait until every request submitted so far, and every one they led to, has been served.
     *
     * @return false if that did not happen within {@code timeoutMillis}.
     */
    static boolean awaitIdle(final long timeoutMillis) throws InterruptedException
    {
        final long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (PENDING.get() != 0)
        {
            if (System.nanoTime() - deadline > 0)
            {
                return false;
            }
            Thread.sleep(1);
        }
        return true;
    }

    /**
     * Start the thread if it is not running (never started, or ended by an error its loop could not catch). Called
     * from a split; never throws: if the JVM cannot start a thread, the request stays queued, puts and splits
     * prepare their own blocks meanwhile, and the next request tries again.
     */
    private static synchronized void startOnce()
    {
        if (thread != null && thread.isAlive())
        {
            return;
        }
        try
        {
            // Started by whichever put splits first: DaemonThreads keeps it from inheriting that thread's
            // thread-locals and context class loader, which it would otherwise hold for the life of the JVM. Created
            // inside the try: creating a thread can throw too (a security manager may refuse it).
            final Thread started = DaemonThreads.newThread(THREAD_NAME, BlockPreparer::serve);
            started.start();
            thread = started;
        }
        catch (final OutOfMemoryError | RuntimeException ex)
        {
            // Every request tries again, so say it once, not once per split.
            if (!startFailureLogged)
            {
                startFailureLogged = true;
                LOGGER.log(System.Logger.Level.WARNING, "docref: could not start the " + THREAD_NAME + " thread; " +
                    "puts prepare their maps' blocks themselves until it starts (logged once)", ex);
            }
        }
    }

    private static void serve()
    {
        while (true)
        {
            final BlockReserve reserve;
            try
            {
                reserve = QUEUE.take();
            }
            catch (final InterruptedException ex)
            {
                // Nobody but the JVM's shutdown interrupts a daemon thread it did not create; keep serving.
                continue;
            }
            try
            {
                reserve.prepareOne();
            }
            catch (final Throwable ex)
            {
                // Never let one map's failure stop the thread that serves every map; its splits allocate for
                // themselves meanwhile.
                LOGGER.log(System.Logger.Level.WARNING, "docref: preparing a segment block failed", ex);
            }
            finally
            {
                PENDING.decrementAndGet();
            }
        }
    }
}
