package dev.docref.trap;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * The cumulative counters that split a stall into its {@link StallSplit.Part}s, read by the {@link StallDetector}'s
 * thread at every wake-up; tests replace them with counters of their own, as they replace its clock and sleeper.
 * <p>
 * <b>Thread-safety:</b> one thread, the detector's: {@link #open()} on it, then {@link #read(long[])} at each wake-up,
 * then {@link #close()}.
 */
interface StallCounters
{
    /**
     * Opens the counters on the calling thread, the detector's (whose run delay they read). Never throws: a counter
     * that cannot be opened is {@link #unavailable} from then on.
     */
    void open();

    /**
     * Reads each part's counter, in nanoseconds, into {@code nanos} at the part's {@link StallSplit.Part#ordinal()},
     * without allocating. Never throws: a counter whose read fails is {@link #unavailable} from then on, its value
     * left as it was.
     */
    void read(long[] nanos);

    /**
     * Reads every counter afresh, however much it costs, as {@link #read(long[])} does otherwise: the detector calls
     * it instead of {@link #read(long[])} at the wake-up that ends a stall, so that the stall's split is up to date
     * although a costly counter is read only at some wake-ups.
     */
    default void readAll(final long[] nanos)
    {
        read(nanos);
    }

    /** @return why {@code part} cannot be measured, or {@code null} if it can. */
    String unavailable(StallSplit.Part part);

    /** Closes what {@link #open()} opened. */
    void close();

    /** @return the counters of this machine and JVM: schedstat, {@code /proc/stat} and the GC beans. */
    static StallCounters standard()
    {
        return new Standard(Path.of("/proc/thread-self/schedstat"), Path.of("/proc/stat"));
    }

    /**
     * The run delay from {@code /proc/thread-self/schedstat}, steal from {@code /proc/stat} and GC pauses from the
     * {@link GarbageCollectorMXBean}s whose collection time is pause time only.
     * <p>
     * Steal is counted in {@code USER_HZ} ticks, which Linux fixes at 100 per second on every architecture the JDK
     * runs on (the kernel's own {@code HZ} may differ; {@code getconf CLK_TCK} would say, but would start a process),
     * so the trap assumes 100. The first {@code cpu} line sums all CPUs, so its growth is divided by the number of
     * {@code cpuN} lines: the share of the stall in which an average CPU of the VM was stolen.
     * <p>
     * <b>Cost bound.</b> The kernel generates the whole of {@code /proc/stat} at each read, however few bytes are read
     * (one {@code single_open} buffer: a line per CPU and a counter per IRQ), so its cost grows with the machine: 4-6
     * us for its 1,186 bytes on a 2-vCPU VM with 422 IRQs, a regular file of the same size 1.6 us; on a machine with
     * hundreds of CPUs and thousands of IRQs, an estimated 0.1-0.3 ms on a recent kernel, and milliseconds on kernels
     * before 5.1, which summed every IRQ over every CPU. {@link #open()} times {@value #COST_SAMPLES} reads and reads
     * steal only every {@code ceil(median / }{@value #STEAL_BUDGET_NANOS}{@code  ns)} wake-ups, so that steal costs the
     * detector at most 20 us per wake-up on average (0.1% of a CPU at 50 wake-ups a second), and always afresh at the
     * wake-up that ends a stall ({@link #readAll(long[])}). The price: a stall's steal may include steal from up to
     * {@code every - 1} wake-ups before its sleep (at most {@code (every - 1) x 20 ms} of an average CPU's steal, and
     * never more than the stall). A read slower than {@value #STEAL_MAX_READ_NANOS} ns would need more than
     * {@value #STEAL_MAX_EVERY} wake-ups (1 s at 20 ms) between reads, too stale to split a stall: steal is then not
     * measured, and the reason says so.
     */
    final class Standard implements StallCounters
    {
        /** Field 1 of {@code "cpuTime runDelay slices"}. */
        static final int RUN_DELAY_FIELD = 1;
        /** Field 8 of {@code "cpu  user nice system idle iowait irq softirq steal guest guest_nice"}. */
        static final int STEAL_FIELD = 8;
        /** {@code USER_HZ}: 100 ticks a second on Linux, whatever the kernel's {@code HZ}. */
        static final long NANOS_PER_TICK = 10_000_000L;
        /** What reading steal may cost the detector per wake-up, on average: 20 us. */
        static final long STEAL_BUDGET_NANOS = 20_000L;
        /** The most wake-ups between two reads of steal: 50, 1 s at the default 20 ms. */
        static final int STEAL_MAX_EVERY = 50;
        /** The slowest read of {@code /proc/stat} that still fits the budget: 50 x 20 us = 1 ms. */
        static final long STEAL_MAX_READ_NANOS = STEAL_BUDGET_NANOS * STEAL_MAX_EVERY;
        /** Reads timed at {@link #open()}; their median is the cost of one. */
        static final int COST_SAMPLES = 9;

        /**
         * Collectors whose beans count only stop-the-world pauses. G1's "Young" and "Old Generation" are its young
         * and mixed pauses and its full GCs; its remark and cleanup pauses are in no bean before JDK 20, which added
         * "G1 Concurrent GC" for them. ZGC and Shenandoah count pauses in their "Pauses" beans and concurrent work in
         * their "Cycles" beans (ignored). Epsilon never collects.
         */
        static final Set<String> PAUSE_BEANS = Set.of("G1 Young Generation", "G1 Old Generation",
            "G1 Concurrent GC", "PS Scavenge", "PS MarkSweep", "Copy", "MarkSweepCompact", "ZGC Pauses",
            "ZGC Minor Pauses", "ZGC Major Pauses", "Shenandoah Pauses", "Epsilon Heap");
        /** Beans of concurrent work, which does not stop the JVM. */
        static final Set<String> CYCLE_BEANS = Set.of("ZGC Cycles", "ZGC Minor Cycles", "ZGC Major Cycles",
            "Shenandoah Cycles");

        private final Path schedstat;
        private final Path procStat;
        private final String[] unavailable = new String[StallSplit.Part.values().length];
        private ProcCounterFile runDelay;
        private ProcCounterFile steal;
        private final LongSupplier costClock;
        private long cpus;
        /** Steal is read every {@code stealEvery} wake-ups; {@code stealCountdown} more until the next read. */
        private int stealEvery = 1;
        private int stealCountdown;
        private long stealNanos;
        private GarbageCollectorMXBean[] pauseBeans;

        Standard(final Path schedstat, final Path procStat)
        {
            this(schedstat, procStat, System::nanoTime);
        }

        /** @param costClock times the reads of {@code procStat} at {@link #open()}; tests make them slow. */
        Standard(final Path schedstat, final Path procStat, final LongSupplier costClock)
        {
            this.schedstat = schedstat;
            this.procStat = procStat;
            this.costClock = costClock;
        }

        @Override
        public void open()
        {
            try
            {
                runDelay = ProcCounterFile.open(schedstat, RUN_DELAY_FIELD);
            }
            catch (final IOException | RuntimeException ex)
            {
                unavailable[StallSplit.Part.WAITING_FOR_CPU.ordinal()] = "cannot read " + schedstat + " (" + ex +
                    "): it needs Linux with scheduler statistics (CONFIG_SCHED_INFO, on in distribution kernels)";
            }
            try
            {
                cpus = cpuCount(procStat);
                steal = ProcCounterFile.open(procStat, STEAL_FIELD);
            }
            catch (final IOException | RuntimeException ex)
            {
                unavailable[StallSplit.Part.STOLEN_BY_HOST.ordinal()] = "cannot read the steal column of " +
                    procStat + " (" + ex + "): it needs Linux";
            }
            if (steal != null)
            {
                try
                {
                    stealEvery = stealEvery(readCost(steal));
                    stealCountdown = 0;
                }
                catch (final IOException | RuntimeException ex)
                {
                    unavailable[StallSplit.Part.STOLEN_BY_HOST.ordinal()] = "reading " + procStat + " costs too " +
                        "much: " + ex.getMessage();
                    closeQuietly(steal);
                    steal = null;
                }
            }
            try
            {
                pauseBeans = pauseBeans(ManagementFactory.getGarbageCollectorMXBeans());
            }
            catch (final IllegalArgumentException ex)
            {
                unavailable[StallSplit.Part.GC_PAUSE.ordinal()] = ex.getMessage();
            }
            catch (final RuntimeException | LinkageError ex)
            {
                // A runtime without java.management, say.
                unavailable[StallSplit.Part.GC_PAUSE.ordinal()] = "cannot list the garbage collector beans: " + ex;
            }
        }

        /**
         * @return the beans among {@code beans} that count pauses only.
         * @throws IllegalArgumentException naming a bean not known to count pauses or concurrent work only, whose
         *                                  time cannot be taken for pauses, or if no bean counts pauses.
         */
        static GarbageCollectorMXBean[] pauseBeans(final List<GarbageCollectorMXBean> beans)
        {
            final List<GarbageCollectorMXBean> pauses = new ArrayList<>();
            for (final GarbageCollectorMXBean bean : beans)
            {
                if (PAUSE_BEANS.contains(bean.getName()))
                {
                    pauses.add(bean);
                }
                else if (!CYCLE_BEANS.contains(bean.getName()))
                {
                    throw new IllegalArgumentException("the collector bean '" + bean.getName() + "' is not known " +
                        "to count pauses only, so GC pauses cannot be told apart from concurrent GC work; known: " +
                        "G1, Parallel, Serial, ZGC, Shenandoah, Epsilon");
                }
            }
            if (pauses.isEmpty())
            {
                throw new IllegalArgumentException("no garbage collector bean counts pauses in this JVM");
            }
            return pauses.toArray(new GarbageCollectorMXBean[0]);
        }

        /** @return the median time {@link #costClock} gives {@link #COST_SAMPLES} reads of {@code counter}. */
        private long readCost(final ProcCounterFile counter) throws IOException
        {
            final long[] costs = new long[COST_SAMPLES];
            for (int i = 0; i < costs.length; i++)
            {
                final long start = costClock.getAsLong();
                counter.read(STEAL_FIELD);
                costs[i] = costClock.getAsLong() - start;
            }
            java.util.Arrays.sort(costs);
            return costs[COST_SAMPLES / 2];
        }

        /**
         * @return every how many wake-ups to read a counter whose read costs {@code readNanos}, so that it costs at
         * most {@link #STEAL_BUDGET_NANOS} per wake-up on average.
         * @throws IOException naming the cost and the limit if the counter would be read less than once every
         *                     {@link #STEAL_MAX_EVERY} wake-ups.
         */
        static int stealEvery(final long readNanos) throws IOException
        {
            if (readNanos > STEAL_MAX_READ_NANOS)
            {
                throw new IOException(String.format(java.util.Locale.ROOT, "a read takes %,d us, more than the " +
                    "%,d us that fit the detector's budget of %d us per wake-up at one read every %d wake-ups " +
                    "(a machine with very many CPUs or IRQs, or an old kernel); steal is not read", readNanos / 1_000,
                    STEAL_MAX_READ_NANOS / 1_000, STEAL_BUDGET_NANOS / 1_000, STEAL_MAX_EVERY));
            }
            return (int)Math.max(1, (readNanos + STEAL_BUDGET_NANOS - 1) / STEAL_BUDGET_NANOS);
        }

        /** @return the number of {@code cpuN} lines: the CPUs the first line sums. */
        static long cpuCount(final Path procStat) throws IOException
        {
            final long cpus = Files.readAllLines(procStat).stream()
                .filter(line -> line.length() > 3 && line.startsWith("cpu") && Character.isDigit(line.charAt(3)))
                .count();
            if (cpus == 0)
            {
                throw new IOException(procStat + " has no cpuN line");
            }
            return cpus;
        }

        @Override
        public void read(final long[] nanos)
        {
            read(nanos, false);
        }

        @Override
        public void readAll(final long[] nanos)
        {
            read(nanos, true);
        }

        private void read(final long[] nanos, final boolean all)
        {
            if (runDelay != null)
            {
                try
                {
                    nanos[StallSplit.Part.WAITING_FOR_CPU.ordinal()] = runDelay.read(RUN_DELAY_FIELD);
                }
                catch (final IOException | RuntimeException ex)
                {
                    runDelay = failed(StallSplit.Part.WAITING_FOR_CPU, runDelay, ex);
                }
            }
            if (steal != null)
            {
                try
                {
                    if (all || --stealCountdown <= 0)
                    {
                        final long ticks = steal.read(STEAL_FIELD);
                        // ticks * 10^7 overflows past 29 years of steal: divide first.
                        stealNanos = ticks / cpus * NANOS_PER_TICK + ticks % cpus * NANOS_PER_TICK / cpus;
                        stealCountdown = stealEvery;
                    }
                    // The detector swaps its arrays: the last value read goes into each.
                    nanos[StallSplit.Part.STOLEN_BY_HOST.ordinal()] = stealNanos;
                }
                catch (final IOException | RuntimeException ex)
                {
                    steal = failed(StallSplit.Part.STOLEN_BY_HOST, steal, ex);
                }
            }
            if (pauseBeans != null)
            {
                long millis = 0;
                for (final GarbageCollectorMXBean bean : pauseBeans)
                {
                    final long time = bean.getCollectionTime();
                    if (time < 0)
                    {
                        unavailable[StallSplit.Part.GC_PAUSE.ordinal()] = "the collector bean '" + bean.getName() +
                            "' does not report its collection time";
                        pauseBeans = null;
                        return;
                    }
                    millis += time;
                }
                nanos[StallSplit.Part.GC_PAUSE.ordinal()] = millis * 1_000_000L;
            }
        }

        /** Marks {@code part} unavailable after its counter failed to read, and closes the counter. */
        private ProcCounterFile failed(final StallSplit.Part part, final ProcCounterFile counter, final Exception ex)
        {
            unavailable[part.ordinal()] = "reading " + counter.path() + " failed: " + ex;
            closeQuietly(counter);
            return null;
        }

        @Override
        public String unavailable(final StallSplit.Part part)
        {
            return unavailable[part.ordinal()];
        }

        @Override
        public void close()
        {
            closeQuietly(runDelay);
            closeQuietly(steal);
            runDelay = null;
            steal = null;
        }

        private static void closeQuietly(final ProcCounterFile counter)
        {
            if (counter != null)
            {
                try
                {
                    counter.close();
                }
                catch (final IOException ex)
                {
                    // Closing a /proc file frees its descriptor whatever close reports.
                }
            }
        }
    }
}
