package dev.docref.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import org.HdrHistogram.Histogram;

/**
 * The growth-pause harness's reader mode, run inside one child JVM: reader threads get random keys that are already
 * in the map while one writer (the calling thread) inserts N random keys from empty, and every get and every put is
 * timed into HdrHistograms.
 * <p>
 * How threads share the map is part of what is measured. The thread-safe {@code PresizedDocRefMap}
 * ({@link LongMap.Kind#PRESIZED}) is used as it is, with no lock. Every other map, including the single-threaded
 * {@code PresizedDocRefMap}, is not safe for a writer and readers at once, so it sits behind one
 * {@link ReentrantReadWriteLock} (non-fair, the default): readers take the read lock around each get, the writer
 * the write lock around each put, the way a database guards such an index. A reader's latency therefore includes
 * waiting for the lock, and a resize inside a put holds every reader out for as long as it takes.
 * <p>
 * The writer puts {@code keys[i] -> i} in order and, after each put returns, publishes {@code i + 1} with a release
 * store; a reader reads that count with an acquire load, picks a uniformly random index below it, and gets that key.
 * The put happened before the publication, so the key must be found with value {@code index}: every get is checked,
 * and a missing or wrong value fails the run. Each get is timed alone, with {@code System.nanoTime()} just before the
 * lock (if any) and just after the unlock; a put is timed as in the write mode (from the end of the previous one, so
 * the publication and the write lock are included). Readers stop when the writer has made its last put.
 * <p>
 * On a machine with fewer CPUs than readers plus the writer, the operating system time-slices them, and a reader
 * that is descheduled in the middle of a get records the whole slice: such a run measures the scheduler as well as
 * the map (see {@code benchmarks.md}).
 * <p>
 * One round per instance; its threads are started and joined by {@link #run}. The map is closed before {@code run}
 * returns.
 */
final class ReadersDuringGrowth
{
    /** Highest latency the histograms track: one hour, at 3 significant digits. */
    private static final long HIGHEST_TRACKABLE_NS = 3_600_000_000_000L;

    private final LongMap.Kind kind;
    private final long[] keys;
    private final int readers;
    private final boolean presized;
    private final long seed;
    /** Whether each reader reads its scheduler statistics around its slow gets ({@code --machine-stalls}). */
    private boolean schedStats;

    ReadersDuringGrowth(final LongMap.Kind kind, final long[] keys, final int readers, final boolean presized,
        final long seed)
    {
        if (readers < 1)
        {
            throw new IllegalArgumentException("readers must be at least 1 but was " + readers);
        }
        this.kind = kind;
        this.keys = keys;
        this.readers = readers;
        this.presized = presized;
        this.seed = seed;
    }

    /** What one round measured. */
    static final class Result
    {
        final Histogram gets = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        final Histogram puts = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        final List<Long> worstGetPerReader = new ArrayList<>();
        long writerTotalNs;
        /** {@code System.nanoTime()} when the writer started and ended, for the harness's machine-stall meter. */
        long measureFromNanoTime;
        long measureToNanoTime;
        /** The slowest get of all readers. */
        WorstGet worstGet = new WorstGet();
        long entries;
        String locking;

        Map<String, String> toMap(final LongMap.Kind kind, final int readers)
        {
            final Map<String, String> result = new LinkedHashMap<>();
            result.put("kind", kind.name());
            result.put("mode", "readers");
            result.put("readers", Integer.toString(readers));
            result.put("locking", locking);
            result.put("entries", Long.toString(entries));
            result.put("gets", Long.toString(gets.getTotalCount()));
            result.put("getP50", Long.toString(gets.getValueAtPercentile(50)));
            result.put("getP99", Long.toString(gets.getValueAtPercentile(99)));
            result.put("getP999", Long.toString(gets.getValueAtPercentile(99.9)));
            result.put("getP9999", Long.toString(gets.getValueAtPercentile(99.99)));
            result.put("getMax", Long.toString(gets.getMaxValue()));
            result.put("getsOver1ms", Long.toString(GrowthPauseHarness.over1ms(gets)));
            final StringBuilder perReader = new StringBuilder();
            for (final long worst : worstGetPerReader)
            {
                perReader.append(perReader.length() == 0 ? "" : ",").append(worst);
            }
            result.put("getMaxPerReader", perReader.toString());
            result.put("totalNs", Long.toString(writerTotalNs));
            result.put("measureFromNanoTime", Long.toString(measureFromNanoTime));
            result.put("measureToNanoTime", Long.toString(measureToNanoTime));
            result.put("worstGet", Long.toString(worstGet.nanos));
            result.put("worstGetEndNanoTime", Long.toString(worstGet.endNanoTime));
            if (worstGet.waitedNanos >= 0)
            {
                result.put("worstGetWaited", Long.toString(worstGet.waitedNanos));
                result.put("worstGetBlocked", Long.toString(worstGet.blockedNanos));
            }
            result.put("max", Long.toString(puts.getMaxValue()));
            result.put("p9999", Long.toString(puts.getValueAtPercentile(99.99)));
            return result;
        }
    }

    /**
     * Have each reader read its own scheduler statistics ({@link SchedStat}) every 1,024 gets and after each get of
     * 1 ms or more or slower than all before it, outside the gets' timing, so that its slowest get comes with how
     * long the reader waited for a CPU and was blocked.
     */
    ReadersDuringGrowth withSchedStats()
    {
        schedStats = true;
        return this;
    }

    /** Grow a new map of {@link #kind} to all the keys while the readers read; verify it; close it. */
    Result run() throws InterruptedException
    {
        return run(kind.create(presized ? keys.length : 0));
    }

    /** {@link #run()} on a given map of {@link #kind} (tests pass a broken one); closes it. */
    Result run(final LongMap created) throws InterruptedException
    {
        final long[] keys = this.keys;
        final int n = keys.length;
        final Result result = new Result();
        try (LongMap map = created)
        {
            final Access access = kind.threadSafe() ? new Direct(map) : new ReadWriteLocked(map);
            result.locking = access.describe();
            final AtomicInteger published = new AtomicInteger();
            final Reader[] tasks = new Reader[readers];
            final Thread[] threads = new Thread[readers];
            try
            {
                for (int r = 0; r < readers; r++)
                {
                    tasks[r] = new Reader(access, keys, published, new SplittableRandom(seed + r), schedStats);
                    threads[r] = new Thread(tasks[r], "reader-" + r);
                    threads[r].start();
                }
                final Histogram puts = result.puts;
                final long start = System.nanoTime();
                long previous = start;
                for (int i = 0; i < n; i++)
                {
                    access.set(keys[i], i);
                    published.setRelease(i + 1);
                    final long now = System.nanoTime();
                    puts.recordValue(now - previous);
                    previous = now;
                }
                result.writerTotalNs = previous - start;
                result.measureFromNanoTime = start;
                result.measureToNanoTime = previous;
            }
            finally
            {
                // Every reader is joined before try-with-resources closes the map: a get on a closed
                // PresizedDocRefMap may read freed memory.
                stopAndJoin(tasks, threads);
            }
            for (final Reader task : tasks)
            {
                if (task.failure != null)
                {
                    throw new IllegalStateException(kind.title + ": " + task.failure, task.thrown);
                }
                result.gets.add(task.gets);
                result.worstGetPerReader.add(task.gets.getMaxValue());
                if (task.worst.nanos > result.worstGet.nanos)
                {
                    result.worstGet = task.worst;
                }
            }
            Keys.verifyFilled(map, keys);
            result.entries = map.size();
        }
        return result;
    }

    private static void stopAndJoin(final Reader[] tasks, final Thread[] threads) throws InterruptedException
    {
        for (final Reader task : tasks)
        {
            if (task != null)
            {
                task.stop = true;
            }
        }
        for (final Thread thread : threads)
        {
            if (thread != null)
            {
                thread.join();
            }
        }
    }

    /** One reader thread: random gets of published keys, each timed and checked, until told to stop. */
    static final class Reader implements Runnable
    {
        private final Access access;
        private final long[] keys;
        private final AtomicInteger published;
        private final SplittableRandom random;
        final Histogram gets = new Histogram(HIGHEST_TRACKABLE_NS, 3);
        volatile boolean stop;
        /** The first wrong answer, or null; read after join. */
        String failure;
        /** What the reader threw, if it threw; read after join. */
        Throwable thrown;
        /** This reader's slowest get; read after join. */
        final WorstGet worst = new WorstGet();
        private final boolean schedStats;

        Reader(final Access access, final long[] keys, final AtomicInteger published, final SplittableRandom random,
            final boolean schedStats)
        {
            this.schedStats = schedStats;
            this.access = access;
            this.keys = keys;
            this.published = published;
            this.random = random;
        }

        @Override
        public void run()
        {
            try
            {
                if (!schedStats)
                {
                    read(null);
                    return;
                }
                try (SchedStat sched = SchedStat.openForThisThread())
                {
                    read(sched);
                }
                catch (final IOException ex)
                {
                    failure = "could not read " + SchedStat.FILE + ": " + ex;
                }
            }
            catch (final RuntimeException | Error ex)
            {
                // A reader that died would leave the run reporting fewer readers' gets, and less contention for the
                // writer, as if nothing had happened.
                thrown = ex;
                failure = "a reader threw " + ex;
            }
        }

        private void read(final SchedStat sched)
        {
            final Access access = this.access;
            final long[] keys = this.keys;
            final AtomicInteger published = this.published;
            final SplittableRandom random = this.random;
            final Histogram gets = this.gets;
            long count = 0;
            while (!stop)
            {
                final int bound = published.getAcquire();
                if (bound == 0)
                {
                    Thread.onSpinWait();
                    continue;
                }
                final int index = random.nextInt(bound);
                final long key = keys[index];
                final long before = System.nanoTime();
                final long value = access.get(key);
                final long after = System.nanoTime();
                final long latency = after - before;
                gets.recordValue(latency);
                final boolean slowest = latency > worst.nanos;
                if (slowest)
                {
                    worst.nanos = latency;
                    worst.endNanoTime = after;
                }
                if (sched != null && (slowest || latency >= 1_000_000L || (++count & 1023) == 0))
                {
                    // The last read before this get and this one bracket it (between them, only gets under 1 ms).
                    try
                    {
                        sched.read();
                    }
                    catch (final IOException ex)
                    {
                        failure = "could not read " + SchedStat.FILE + ": " + ex;
                        return;
                    }
                    if (slowest)
                    {
                        worst.waitedNanos = sched.waitedNanos;
                        worst.blockedNanos = sched.blockedNanos;
                    }
                }
                if (value != index)
                {
                    failure = String.format(Locale.ROOT, "get of key #%,d (%d), published before the get started, " +
                        "returned %d; expected %d", index, key, value, index);
                    return;
                }
            }
        }
    }

    /**
     * A slowest get: exact, the {@code System.nanoTime()} it ended at, and, with scheduler statistics, how long its
     * reader waited for a CPU and was blocked around it (-1 without them).
     */
    static final class WorstGet
    {
        long nanos;
        long endNanoTime;
        long waitedNanos = -1;
        long blockedNanos = -1;
    }

    /** How the writer and the readers reach the map. */
    abstract static class Access
    {
        final LongMap map;

        Access(final LongMap map)
        {
            this.map = map;
        }

        abstract long get(long key);

        abstract void set(long key, long value);

        abstract String describe();
    }

    /** The thread-safe map, called directly by every thread. */
    static final class Direct extends Access
    {
        Direct(final LongMap map)
        {
            super(map);
        }

        @Override
        long get(final long key)
        {
            return map.get(key);
        }

        @Override
        void set(final long key, final long value)
        {
            map.set(key, value);
        }

        @Override
        String describe()
        {
            return "none";
        }
    }

    /** A map that is not thread-safe, behind a read-write lock: shared reads, exclusive writes. */
    static final class ReadWriteLocked extends Access
    {
        private final ReentrantReadWriteLock.ReadLock readLock;
        private final ReentrantReadWriteLock.WriteLock writeLock;

        ReadWriteLocked(final LongMap map)
        {
            super(map);
            final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
            this.readLock = lock.readLock();
            this.writeLock = lock.writeLock();
        }

        @Override
        long get(final long key)
        {
            readLock.lock();
            try
            {
                return map.get(key);
            }
            finally
            {
                readLock.unlock();
            }
        }

        @Override
        void set(final long key, final long value)
        {
            writeLock.lock();
            try
            {
                map.set(key, value);
            }
            finally
            {
                writeLock.unlock();
            }
        }

        @Override
        String describe()
        {
            return "ReentrantReadWriteLock";
        }
    }
}
