package dev.docref.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.LockSupport;

import dev.docref.guard.DaemonThreads;

/**
 * A machine-stall meter: threads that wake every millisecond and record each wake-up that came at least a
 * millisecond late, with how much of that lateness the kernel's scheduler accounted for as the thread's run delay
 * (runnable, waiting for a CPU that another thread held). The rest, the <em>unseen</em> part, is time in which the
 * thread's CPU ran nothing the kernel knows of: under a hypervisor, the host not running the virtual CPU; on bare
 * metal, firmware or interrupts. No code in any process of the machine could have avoided such a stall, so an
 * operation that overlaps one cannot be held to a bound shorter than the stall.
 * <p>
 * Why it exists: on the 2-vCPU virtual machines this project is measured on, a put into a pre-sized map that does no
 * growth work at all stalled 6.5-11.7 ms, so the 1 ms targets of the benchmarks issue could not be told apart from
 * the machine. The growth-pause harness runs this meter in its parent JVM (which is idle while a child measures) with
 * {@code --machine-stalls}, and says for each worst put how much of it the machine was stalled. Run alone it measures
 * a machine's floor before measuring anything on it:
 * <pre>
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.MachineStalls --seconds 60
 * </pre>
 * <p>
 * How: one thread per CPU, at most {@value #MAX_THREADS} (on a machine with more CPUs a stall of the others goes
 * unseen, and the reports say how many of how many CPUs were metered), each pinned to its CPU with {@code taskset}
 * (Java has no call for it; without {@code taskset} the threads run unpinned, and a stall of one CPU reaches a meter
 * only if one happens to sleep there), parks until its next deadline (1 ms apart), then reads its own run delay
 * ({@link SchedStat}) and records the wake-up if it came late by at least {@link #THRESHOLD_NANOS}. The times are
 * {@code System.nanoTime()}, the kernel's monotonic clock on Linux, which is the same clock in every process, so a
 * child JVM's put times line up with this meter's without conversion.
 * <p>
 * The unseen part is a lower bound: a host stall that hits while the thread is already waiting for its CPU counts
 * as run delay in the guest's clock. Lateness also includes timer slack (about 50 us) and any safepoint of the JVM
 * running the meter, which idle stays far below the 1 ms threshold. Each wake-up costs a {@code read} of the
 * schedstat file, 1,000 per second per thread: a little CPU, taken from whatever it measures alongside, which is why
 * the harness runs it only when asked.
 * <p>
 * <b>Thread-safety:</b> {@link #start}, {@link #stop} and the queries are for one controlling thread; the meter
 * threads publish their records through {@link Thread#join()}.
 */
final class MachineStalls
{
    /** Wake-ups this late or later are recorded: the bound the benchmarks issue sets for a put and a get. */
    static final long THRESHOLD_NANOS = 1_000_000L;
    /** Time between a thread's deadlines. */
    static final long PERIOD_NANOS = 1_000_000L;
    /** The most meter threads, so the most CPUs metered: {@link #start()} meters the first 64 of a larger machine. */
    static final int MAX_THREADS = 64;
    /** Late wake-ups each thread keeps (at 1,000 wake-ups per second, over four minutes of nothing but stalls). */
    private static final int CAPACITY_PER_THREAD = 1 << 18;

    private final List<Meter> meters = new ArrayList<>();
    private final List<Thread> threads = new ArrayList<>();
    private List<Stall> stalls;

    /** One late wake-up: when it came, how late, and how much of that the scheduler did not account for. */
    static final class Stall
    {
        final long wokeAtNanoTime;
        final long lateNanos;
        final long unseenNanos;

        Stall(final long wokeAtNanoTime, final long lateNanos, final long unseenNanos)
        {
            this.wokeAtNanoTime = wokeAtNanoTime;
            this.lateNanos = lateNanos;
            this.unseenNanos = unseenNanos;
        }

        /** The unseen part, placed just before the wake-up: the CPU ran again, and the thread woke at once. */
        long unseenFrom()
        {
            return wokeAtNanoTime - unseenNanos;
        }
    }

    /** What the meter saw in one window of time. */
    static final class Summary
    {
        /** Wake-ups at least 1 ms late, for any reason. */
        long late;
        /** Wake-ups whose unseen part is at least 1 ms. */
        long unseen1ms;
        /** Wake-ups whose unseen part is at least 5 ms. */
        long unseen5ms;
        /** The longest unseen part. */
        long longestUnseenNanos;
    }

    /** @return null if this machine can run the meter, else why not and what to do. */
    static String unsupportedReason()
    {
        final String unsupported = SchedStat.unsupportedReason();
        return unsupported == null ? null : "the machine-stall meter tells a stalled machine from a busy one by " +
            "the scheduler's statistics, but " + unsupported + "; run without --machine-stalls";
    }

    /** Start one meter thread per CPU this process may use (at most {@value #MAX_THREADS}), each pinned to its CPU. */
    static MachineStalls start()
    {
        final int[] cpus = allowedCpus();
        return start(Math.min(MAX_THREADS, cpus.length));
    }

    /**
     * Start {@code threadCount} meter threads, the i-th pinned to the i-th CPU this process may use (modulo their
     * number) where {@code taskset} is available.
     *
     * @throws IllegalArgumentException if {@code threadCount} is not from 1 to {@value #MAX_THREADS}.
     * @throws IllegalStateException    if {@link #unsupportedReason()} is not null.
     */
    static MachineStalls start(final int threadCount)
    {
        if (threadCount < 1 || threadCount > MAX_THREADS)
        {
            throw new IllegalArgumentException("machine-stall meter threads must be from 1 to " + MAX_THREADS +
                " but was " + threadCount);
        }
        final String unsupported = unsupportedReason();
        if (unsupported != null)
        {
            throw new IllegalStateException(unsupported);
        }
        final int[] cpus = allowedCpus();
        final MachineStalls stalls = new MachineStalls();
        for (int i = 0; i < threadCount; i++)
        {
            final Meter meter = new Meter(cpus[i % cpus.length]);
            final Thread thread = DaemonThreads.newThread("docref-machine-stalls-" + i, meter);
            stalls.meters.add(meter);
            stalls.threads.add(thread);
            thread.start();
        }
        return stalls;
    }

    /** A meter of recorded stalls only, for tests of the queries. */
    static MachineStalls of(final List<Stall> recorded)
    {
        final MachineStalls stalls = new MachineStalls();
        stalls.stalls = sorted(recorded);
        return stalls;
    }

    /**
     * Stop the threads and keep what they recorded. Idempotent.
     *
     * @throws IllegalStateException if a meter thread failed (its schedstat file could not be read).
     */
    MachineStalls stop() throws InterruptedException
    {
        if (stalls != null)
        {
            return this;
        }
        for (final Meter meter : meters)
        {
            meter.stopped = true;
        }
        final List<Stall> recorded = new ArrayList<>();
        for (int i = 0; i < threads.size(); i++)
        {
            threads.get(i).interrupt();
            threads.get(i).join();
            final Meter meter = meters.get(i);
            if (meter.failure != null)
            {
                throw new IllegalStateException("machine-stall meter thread failed: " + meter.failure, meter.failure);
            }
            for (int j = 0; j < meter.count; j++)
            {
                recorded.add(new Stall(meter.wokeAt[j], meter.late[j], meter.unseen[j]));
            }
        }
        stalls = sorted(recorded);
        return this;
    }

    /** Whether every meter thread was pinned to its CPU (so a stall of any one CPU reaches a meter). */
    boolean pinned()
    {
        for (final Meter meter : meters)
        {
            if (!meter.pinned)
            {
                return false;
            }
        }
        return !meters.isEmpty();
    }

    /** The meter threads started: 0 for a meter of recorded stalls only ({@link #of}). */
    int threadCount()
    {
        return meters.size();
    }

    /**
     * The meter threads and the CPUs they covered, for a report: {@code 2 meter threads (one pinned to each of the 2
     * CPUs this process may use)}; on a machine past {@value #MAX_THREADS} CPUs, or with fewer threads asked for,
     * {@code 64 meter threads (one pinned to each of 64 of the 96 CPUs this process may use, so a stall of another
     * CPU may go unseen)}; without {@code taskset}, that they were not pinned.
     *
     * @param cpus the CPUs this process may use ({@link #allowedCpus()}).
     */
    static String meterThreads(final boolean pinned, final int threadCount, final int cpus)
    {
        final String threads = threadCount + (threadCount == 1 ? " meter thread" : " meter threads");
        if (!pinned)
        {
            return threads + " (not pinned: taskset is missing or failed, so a stall of one CPU may go unseen)";
        }
        if (threadCount >= cpus)
        {
            return threads + (cpus == 1 ? " (pinned to the one CPU this process may use)" : String.format(Locale.ROOT,
                " (one pinned to each of the %d CPUs this process may use)", cpus));
        }
        return threads + String.format(Locale.ROOT, " (one pinned to each of %d of the %d CPUs this process may " +
            "use%s, so a stall of another CPU may go unseen)", threadCount, cpus,
            threadCount == MAX_THREADS ? ", the meter's most" : "");
    }

    /** Wake-ups all threads made, late or not. */
    long wakeUps()
    {
        long total = 0;
        for (final Meter meter : meters)
        {
            total += meter.wakeUps;
        }
        return total;
    }

    /** Late wake-ups that found a thread's record full and were counted but not kept. */
    long dropped()
    {
        long total = 0;
        for (final Meter meter : meters)
        {
            total += meter.dropped;
        }
        return total;
    }

    /** Every recorded late wake-up, in the order they came. */
    List<Stall> stalls()
    {
        requireStopped();
        return stalls;
    }

    /** What was recorded with a wake-up in {@code [fromNanoTime, toNanoTime]}. */
    Summary summary(final long fromNanoTime, final long toNanoTime)
    {
        requireStopped();
        final Summary summary = new Summary();
        for (final Stall stall : stalls)
        {
            if (stall.wokeAtNanoTime < fromNanoTime || stall.wokeAtNanoTime > toNanoTime)
            {
                continue;
            }
            summary.late++;
            if (stall.unseenNanos >= THRESHOLD_NANOS)
            {
                summary.unseen1ms++;
            }
            if (stall.unseenNanos >= 5 * THRESHOLD_NANOS)
            {
                summary.unseen5ms++;
            }
            summary.longestUnseenNanos = Math.max(summary.longestUnseenNanos, stall.unseenNanos);
        }
        return summary;
    }

    /**
     * How much of {@code [fromNanoTime, toNanoTime]} the machine was stalled: the longest overlap with one unseen
     * stall of at least 1 ms (stalls on different CPUs may overlap each other, so they are not summed).
     */
    long stalledWithin(final long fromNanoTime, final long toNanoTime)
    {
        requireStopped();
        long longest = 0;
        for (final Stall stall : stalls)
        {
            if (stall.unseenNanos < THRESHOLD_NANOS)
            {
                continue;
            }
            final long overlap = Math.min(stall.wokeAtNanoTime, toNanoTime) - Math.max(stall.unseenFrom(),
                fromNanoTime);
            longest = Math.max(longest, overlap);
        }
        return longest;
    }

    private void requireStopped()
    {
        if (stalls == null)
        {
            throw new IllegalStateException("stop the machine-stall meter before reading it");
        }
    }

    private static List<Stall> sorted(final List<Stall> recorded)
    {
        final List<Stall> copy = new ArrayList<>(recorded);
        copy.sort(Comparator.comparingLong(stall -> stall.wokeAtNanoTime));
        return copy;
    }

    /** One meter thread: allocates nothing once started, so the JVM running it has no GC to stall it. */
    private static final class Meter implements Runnable
    {
        final int cpu;
        final long[] wokeAt = new long[CAPACITY_PER_THREAD];
        final long[] late = new long[CAPACITY_PER_THREAD];
        final long[] unseen = new long[CAPACITY_PER_THREAD];
        volatile boolean stopped;
        volatile boolean pinned;
        int count;
        long wakeUps;
        long dropped;
        Exception failure;

        Meter(final int cpu)
        {
            this.cpu = cpu;
        }

        @Override
        public void run()
        {
            pinned = pinThisThread(cpu);
            try (SchedStat stat = SchedStat.openForThisThread())
            {
                long deadline = System.nanoTime() + PERIOD_NANOS;
                while (!stopped)
                {
                    long now = System.nanoTime();
                    while (now < deadline && !stopped)
                    {
                        LockSupport.parkNanos(deadline - now);
                        now = System.nanoTime();
                    }
                    final long lateNanos = now - deadline;
                    stat.read();
                    wakeUps++;
                    if (lateNanos >= THRESHOLD_NANOS && !stopped)
                    {
                        if (count < wokeAt.length)
                        {
                            wokeAt[count] = now;
                            late[count] = lateNanos;
                            unseen[count] = Math.max(0, lateNanos - stat.waitedNanos);
                            count++;
                        }
                        else
                        {
                            dropped++;
                        }
                    }
                    deadline += PERIOD_NANOS;
                    if (deadline <= now)
                    {
                        deadline = now + PERIOD_NANOS;
                    }
                }
            }
            catch (final IOException | RuntimeException ex)
            {
                failure = ex;
            }
        }
    }

    /**
     * Pin the calling thread to {@code cpu} with {@code taskset} (util-linux), as Java has no call for it.
     *
     * @return whether it is pinned; false where {@code taskset} or {@code /proc/thread-self} is missing.
     */
    static boolean pinThisThread(final int cpu)
    {
        try
        {
            // "/proc/thread-self" links to "<pid>/task/<tid>".
            final String tid = Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString();
            final Process taskset = new ProcessBuilder("taskset", "-p", "-c", Integer.toString(cpu), tid)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return taskset.waitFor() == 0;
        }
        catch (final IOException | UnsupportedOperationException ex)
        {
            return false;
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The CPUs this process may run on, from {@code Cpus_allowed_list} in {@code /proc/self/status} (such as
     * {@code 0-3,8}); {@code 0 .. availableProcessors - 1} where that cannot be read.
     */
    static int[] allowedCpus()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status")))
            {
                if (line.startsWith("Cpus_allowed_list:"))
                {
                    return parseCpuList(line.substring(line.indexOf(':') + 1).trim());
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            // Fall through to the JVM's count.
        }
        final int[] cpus = new int[Runtime.getRuntime().availableProcessors()];
        for (int i = 0; i < cpus.length; i++)
        {
            cpus[i] = i;
        }
        return cpus;
    }

    /**
     * A kernel CPU list such as {@code 0-3,8,10-11}.
     *
     * @throws IllegalArgumentException if it is not one.
     */
    static int[] parseCpuList(final String list)
    {
        final List<Integer> cpus = new ArrayList<>();
        for (final String part : list.split(","))
        {
            final String range = part.trim();
            final int dash = range.indexOf('-');
            final int from = Integer.parseInt(dash < 0 ? range : range.substring(0, dash));
            final int to = dash < 0 ? from : Integer.parseInt(range.substring(dash + 1));
            if (from < 0 || to < from)
            {
                throw new IllegalArgumentException("not a CPU list: '" + list + "'");
            }
            for (int cpu = from; cpu <= to; cpu++)
            {
                cpus.add(cpu);
            }
        }
        return cpus.stream().mapToInt(Integer::intValue).toArray();
    }

    // ----------------------------------------------------------------------------------------------------------
    // Alone: a machine's floor.
    // ----------------------------------------------------------------------------------------------------------

    static final String USAGE = String.join("\n",
        "usage: MachineStalls [--seconds S] [--threads N]",
        "  --seconds S   how long to measure (default 60)",
        "  --threads N   meter threads, pinned one per CPU with taskset, at most one per CPU this process may",
        "                use and at most " + MAX_THREADS + " (default: one per CPU, at most " + MAX_THREADS + ")",
        "Wakes every 1 ms on each thread and reports the wake-ups that came at least 1 ms late, and how much of",
        "that the kernel's scheduler did not account for as run delay: time the machine (under a hypervisor, the",
        "host) did not run the CPU. Run it on an idle machine before measuring anything with a 1 ms bound on it.");

    public static void main(final String[] args) throws InterruptedException
    {
        final long[] options = CommandLine.parseOrExit(args, USAGE, MachineStalls::parseOptions);
        final String unsupported = unsupportedReason();
        if (unsupported != null)
        {
            System.err.println(unsupported.replace("; run without --machine-stalls", ""));
            System.exit(1);
            return;
        }
        final int threadCount = (int)options[1];
        final long from = System.nanoTime();
        final MachineStalls meter = start(threadCount);
        Thread.sleep(options[0] * 1000);
        meter.stop();
        System.out.println(report(meter, from, System.nanoTime(), threadCount));
    }

    /** {@code --seconds} and {@code --threads}, as {@code {seconds, threads}}. */
    static long[] parseOptions(final String[] args)
    {
        // One thread per CPU at most: threads sharing a CPU would not each meter a CPU of their own.
        final int cpus = Math.min(MAX_THREADS, allowedCpus().length);
        final long[] options = {60, cpus};
        for (int i = 0; i < args.length; i++)
        {
            switch (args[i])
            {
                case "--seconds":
                    options[0] = positive(args, ++i, "--seconds", 86_400, "");
                    break;
                case "--threads":
                    options[1] = positive(args, ++i, "--threads", cpus, " (one meter thread pinned to each CPU this " +
                        "process may use, " + (cpus == MAX_THREADS ? "at most " + MAX_THREADS + ")" : "here " + cpus +
                        " CPUs)"));
                    break;
                default:
                    throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        return options;
    }

    static String report(final MachineStalls meter, final long from, final long to, final int threadCount)
    {
        final Summary summary = meter.summary(from, to);
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "Machine stalls over %.1f s, %s, %,d wake-ups (Java %s, %s %s):%n",
            (to - from) / 1e9, meterThreads(meter.pinned(), threadCount, allowedCpus().length), meter.wakeUps(),
            System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.version")));
        out.append(String.format(Locale.ROOT, "  wake-ups at least 1 ms late: %,d%n", summary.late));
        out.append(String.format(Locale.ROOT, "  of them, with at least 1 ms the scheduler did not see: %,d " +
            "(at least 5 ms: %,d)%n", summary.unseen1ms, summary.unseen5ms));
        out.append(String.format(Locale.ROOT, "  longest unseen stall: %.3f ms%n", summary.longestUnseenNanos / 1e6));
        if (meter.dropped() > 0)
        {
            out.append(String.format(Locale.ROOT, "  (%,d late wake-ups not kept: record full)%n", meter.dropped()));
        }
        final List<Stall> longest = new ArrayList<>(meter.stalls());
        longest.sort(Comparator.comparingLong((Stall stall) -> stall.unseenNanos).reversed());
        out.append(String.format(Locale.ROOT, "Longest unseen stalls (seconds from the start, late, unseen):%n"));
        for (int i = 0; i < Math.min(10, longest.size()) && longest.get(i).unseenNanos >= THRESHOLD_NANOS; i++)
        {
            final Stall stall = longest.get(i);
            out.append(String.format(Locale.ROOT, "  %8.3f s  %8.3f ms  %8.3f ms%n",
                (stall.wokeAtNanoTime - from) / 1e9, stall.lateNanos / 1e6, stall.unseenNanos / 1e6));
        }
        out.append("A put or get that overlaps an unseen stall cannot be faster than the overlap on this machine.");
        return out.toString();
    }

    /** @param why what sets {@code max}, in brackets after it in the error, or "". */
    private static long positive(final String[] args, final int index, final String name, final long max,
        final String why)
    {
        if (index >= args.length)
        {
            throw new IllegalArgumentException(name + " needs a value");
        }
        final long value;
        try
        {
            value = Long.parseLong(args[index]);
        }
        catch (final NumberFormatException ex)
        {
            throw new IllegalArgumentException(name + " must be a whole number from 1 to " + max + why + " but was '" +
                args[index] + "'", ex);
        }
        if (value < 1 || value > max)
        {
            throw new IllegalArgumentException(name + " must be from 1 to " + max + why + " but was " + value);
        }
        return value;
    }
}
