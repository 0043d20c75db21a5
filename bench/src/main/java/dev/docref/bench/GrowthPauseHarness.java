package dev.docref.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.HdrHistogram.Histogram;

/**
 * Growth-pause harness: inserts N random keys from empty into each map, each map in its own JVM, and records the
 * latency of every single put in an HdrHistogram; in its reader mode, also the latency of every get made by reader
 * threads while the map grows.
 * <p>
 * <b>Write mode</b> (the default, {@code --mode puts}): one thread puts. It reports, per map: put latency at p50,
 * p99, p99.9, p99.99 and max; total time and average put; the largest single allocation made while growing (heap
 * allocations from JFR's {@code jdk.ObjectAllocationOutsideTLAB} events, where every large array shows up, and native
 * allocations as the map reports them); and heap plus off-heap bytes per entry after growth (heap measured as
 * used-after-GC minus the same before the map existed). For docref it also splits the puts into those during which
 * the segment count changed (the puts that split a segment), with their median and 99th percentile, and all others,
 * with the worst of each and how many took over 1 ms: when the other puts stall as long as the splitting ones, the
 * machine, not the split, sets the worst put. For every map it lists the {@value #WORST_PUTS} worst puts with the
 * JVM uptime at which each ended, to line up with the child's logs: {@code --jvm-arg -Xlog:safepoint,gc} prints
 * every safepoint and GC pause on the same clock.
 * <p>
 * <b>Machine stalls</b> ({@code --machine-stalls}, Linux): while each child measures, this JVM runs a
 * {@link MachineStalls} meter, and the child's writer reads its own scheduler statistics ({@link SchedStat}) around
 * every put of 1 ms or more or among the worst so far. The report then gives each run's stalls of the machine
 * itself (time in which a CPU ran nothing the kernel knows of: under a hypervisor, the host did not run the virtual
 * CPU), and lists each worst put with how much of it the machine was stalled, how long the writer waited for a CPU
 * that another thread held, and how long it was blocked: whether a worst put was the map's or the machine's. The
 * meter takes some CPU, so its runs explain worst puts; runs without it give the percentiles.
 * <p>
 * A {@code --child-heap} below what some selected map's child must hold at once, its key array (8 bytes a key) and
 * the map's own arrays and objects ({@link Options#minChildHeapBytes}: 85.3 bytes an entry for
 * {@code java.util.HashMap}, whose child at 3M keys needs at least 267 MiB), is refused before any child starts; the
 * child would run out of memory minutes in, after the maps before it had run.
 * <p>
 * Each child first warms up by growing three throwaway maps of the same kind to 2M keys, so that the JIT has
 * compiled the put and resize paths of every map before measurement. Children run with {@code -Xms} equal to
 * {@code -Xmx}, as databases do. Each put is timed with one {@code System.nanoTime()}
 * call (about 18 ns on the reference machine), included equally in every map's figures.
 * <p>
 * <b>Reader mode</b> ({@code --mode readers}): {@code --readers} threads (default 2) get random keys already in the
 * map while one writer grows it from empty; see {@link ReadersDuringGrowth}. It reports, per map, the readers'
 * get latency (p50, p99, p99.9, p99.99, max, and the worst of each reader) and the writer's worst put and total time.
 * The thread-safe {@code PresizedDocRefMap} is shared with no lock; every other map, the single-threaded
 * {@code PresizedDocRefMap} included, behind a {@code ReentrantReadWriteLock}. The table says so.
 * <p>
 * Run (defaults: all maps, N = 58,720,257, one past the seed incident's resize threshold; needs about 16 GiB free
 * for {@code java.util.HashMap}):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.GrowthPauseHarness
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.GrowthPauseHarness --entries 10000000 \
 *       --maps presized,fastutil
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.GrowthPauseHarness --mode readers --entries 10000000
 * </pre>
 */
public final class GrowthPauseHarness
{
    /** 7/8 * 2^26 + 1: one past the entry count at which the seed incident's map doubled. */
    public static final long DEFAULT_ENTRIES = 58_720_257L;
    /** {@code --entries}' limit: the most elements one {@code long[]} holds; a child holds its keys in one. */
    static final long MAX_ENTRIES = Integer.MAX_VALUE - 8;
    /** {@code --readers}' limit. */
    static final long MAX_READERS = 1024;
    private static final long WARMUP_ENTRIES = 2_000_000L;
    private static final int WARMUP_ROUNDS = 3;
    /** Worst puts listed per map, with when each ended. */
    static final int WORST_PUTS = 5;
    /** With {@code --machine-stalls}, the writer reads its scheduler statistics every this many puts. */
    private static final int SCHED_EVERY = 1024;
    private static final String RESULT_PREFIX = "RESULT ";

    private GrowthPauseHarness()
    {
    }

    public static void main(final String[] args) throws Exception
    {
        final Options options = CommandLine.parseOrExit(args, Options.USAGE, Options::parse);
        if (options.child != null)
        {
            System.out.println(RESULT_PREFIX + runChild(options.child, options));
            return;
        }

        final List<Map<String, String>> results = new ArrayList<>();
        for (final LongMap.Kind kind : options.maps)
        {
            System.err.printf(Locale.ROOT, "[growth] %s: inserting %,d keys from %s in a new JVM%s...%n", kind.title,
                options.entries, options.presized ? "a pre-sized map" : "empty", options.readersMode ?
                    String.format(Locale.ROOT, ", %d readers getting", options.readers) : "");
            final MachineStalls meter = options.machineStalls ? MachineStalls.start() : null;
            final Map<String, String> result;
            try
            {
                result = runInChildJvm(kind, options);
            }
            finally
            {
                if (meter != null)
                {
                    meter.stop();
                }
            }
            if (meter != null)
            {
                addMachineStalls(result, meter);
            }
            results.add(result);
            System.err.printf(Locale.ROOT, "[growth] %s: worst put %s, total %s%s%n", kind.title,
                millis(result.get("max")), seconds(result.get("totalNs")), result.containsKey("getMax") ?
                    ", worst get " + millis(result.get("getMax")) : "");
        }
        final String table = options.readersMode ? readersTable(results, options) : table(results, options);
        System.out.println(table);
        if (options.out != null)
        {
            Files.createDirectories(options.out.toAbsolutePath().getParent());
            Files.writeString(options.out, table + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        }
        final long failed = results.stream().filter(r -> r.containsKey("error")).count();
        if (failed > 0)
        {
            // The table shows each failed child's row; a script running the harness must see the failure too.
            System.err.printf(Locale.ROOT, "[growth] %d of %d child JVMs failed (see the table); exit status 1%n",
                failed, results.size());
            System.exit(1);
        }
    }

    private static Map<String, String> runInChildJvm(final LongMap.Kind kind, final Options options)
        throws IOException, InterruptedException
    {
        final List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // -Xms = -Xmx, as databases run: the young generation is sized once, so GC pauses come from the maps'
        // own allocations, not from the heap growing.
        command.add("-Xms" + options.childHeap);
        command.add("-Xmx" + options.childHeap);
        command.add("-Ddocref.disable.bounds.checks=true");
        command.addAll(options.jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(GrowthPauseHarness.class.getName());
        command.add("--child");
        command.add(kind.name());
        command.add("--entries");
        command.add(Long.toString(options.entries));
        command.add("--seed");
        command.add(Long.toString(options.seed));
        if (options.presized)
        {
            command.add("--presized");
        }
        if (options.machineStalls)
        {
            command.add("--machine-stalls");
        }
        if (options.readersMode)
        {
            command.add("--mode");
            command.add("readers");
            command.add("--readers");
            command.add(Integer.toString(options.readers));
        }
        final Process process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String resultLine = null;
        try (BufferedReader reader = new BufferedReader(
            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)))
        {
            String line;
            while ((line = reader.readLine()) != null)
            {
                if (line.startsWith(RESULT_PREFIX))
                {
                    resultLine = line.substring(RESULT_PREFIX.length());
                }
                else
                {
                    System.err.println(line);
                }
            }
        }
        final int exit = process.waitFor();
        if (exit != 0 || resultLine == null)
        {
            final Map<String, String> failed = new LinkedHashMap<>();
            failed.put("kind", kind.name());
            failed.put("error", "child JVM exited " + exit + (exit == 1 ? " (out of memory? raise --child-heap)" : ""));
            return failed;
        }
        return parse(resultLine);
    }

    static String runChild(final LongMap.Kind kind, final Options options) throws IOException, InterruptedException
    {
        final long n = options.entries;
        final long[] keys = Keys.distinct((int)n, options.seed);
        if (options.readersMode)
        {
            return runReadersChild(kind, options, keys);
        }
        final long largestHeapAllocation;
        final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        final Histogram splits = new Histogram(3_600_000_000_000L, 3);
        final Histogram others = new Histogram(3_600_000_000_000L, 3);
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        final Path jfrFile = Files.createTempFile("docref-growth-", ".jfr");
        final long totalNs;
        final LongMap map;
        final long heapBefore;
        final WorstLatencies worst;
        final long start;
        // JFR starts before the warm-up: its start-up (class loading, threads) stalls the process for milliseconds.
        try (Recording recording = new Recording())
        {
            recording.enable("jdk.ObjectAllocationOutsideTLAB").withoutStackTrace();
            recording.start();
            for (int round = 0; round < WARMUP_ROUNDS; round++)
            {
                warmUp(kind, options, round);
            }
            heapBefore = usedHeapAfterGc(memory);
            final long measureFrom = System.nanoTime();

            map = kind.create(options.presized ? n : 0);
            int segments = map.segmentCount();
            worst = new WorstLatencies(WORST_PUTS, ManagementFactory.getRuntimeMXBean().getUptime(), System.nanoTime());
            // With --machine-stalls, the writer's own scheduler statistics, read every SCHED_EVERY puts and after
            // each put of 1 ms or more or among the worst so far, outside every put's timing: the last read before
            // such a put and the read after it bracket it, so their difference says how long the writer waited for a
            // CPU or was blocked.
            final SchedStat sched = options.machineStalls ? SchedStat.openForThisThread() : null;
            start = System.nanoTime();
            long previous = start;
            for (int i = 0; i < keys.length; i++)
            {
                map.set(keys[i], i);
                final long now = System.nanoTime();
                final long latency = now - previous;
                histogram.recordValue(latency);
                long nextFrom = now;
                if (sched == null)
                {
                    worst.offer(latency, i, now);
                }
                else if (latency >= 1_000_000L || worst.wouldKeep(latency) || (i & (SCHED_EVERY - 1)) == 0)
                {
                    sched.read();
                    worst.offer(latency, i, now, sched.waitedNanos, sched.blockedNanos);
                    nextFrom = sched.readAtNanoTime;
                }
                else
                {
                    worst.offer(latency, i, now);
                }
                // A segmented map: was this the put that split a segment? (A field read; 0 for the other maps.)
                final int after = map.segmentCount();
                if (after != segments)
                {
                    splits.recordValue(latency);
                    segments = after;
                }
                else
                {
                    others.recordValue(latency);
                }
                // After a schedstat read, the next put is timed from after it, so the read is in no put's time.
                previous = nextFrom;
            }
            totalNs = previous - start;
            if (sched != null)
            {
                sched.close();
            }

            recording.stop();
            recording.dump(jfrFile);
            largestHeapAllocation = largestOutsideTlabAllocation(jfrFile, measureFrom);
        }
        Files.deleteIfExists(jfrFile);

        final long heapBytes = Math.max(0, usedHeapAfterGc(memory) - heapBefore);
        verify(map, keys);

        final Map<String, String> result = new LinkedHashMap<>();
        result.put("kind", kind.name());
        result.put("entries", Long.toString(map.size()));
        result.put("totalNs", Long.toString(totalNs));
        result.put("p50", Long.toString(histogram.getValueAtPercentile(50)));
        result.put("p99", Long.toString(histogram.getValueAtPercentile(99)));
        result.put("p999", Long.toString(histogram.getValueAtPercentile(99.9)));
        result.put("p9999", Long.toString(histogram.getValueAtPercentile(99.99)));
        result.put("max", Long.toString(histogram.getMaxValue()));
        result.put("over1ms", Long.toString(over1ms(histogram)));
        result.put("worstPuts", worst.encode());
        result.put("worstPutsEndNanoTime", worst.encodeEndNanoTimes());
        result.put("measureFromNanoTime", Long.toString(start));
        result.put("measureToNanoTime", Long.toString(start + totalNs));
        if (options.machineStalls)
        {
            result.put("worstPutsWaited", worst.encodeWaitedForCpu());
            result.put("worstPutsBlocked", worst.encodeBlocked());
        }
        result.put("largestHeapAllocation", Long.toString(largestHeapAllocation));
        result.put("largestNativeAllocation", Long.toString(map.largestNativeAllocationBytes()));
        result.put("heapBytes", Long.toString(heapBytes));
        result.put("offHeapBytes", Long.toString(map.offHeapBytes()));
        if (map.segmentCount() > 0)
        {
            result.put("splitPuts", Long.toString(splits.getTotalCount()));
            result.put("splitMax", Long.toString(splits.getMaxValue()));
            result.put("splitP50", Long.toString(splits.getValueAtPercentile(50)));
            result.put("splitP99", Long.toString(splits.getValueAtPercentile(99)));
            result.put("splitOver1ms", Long.toString(over1ms(splits)));
            result.put("otherMax", Long.toString(others.getMaxValue()));
            result.put("otherOver1ms", Long.toString(over1ms(others)));
        }
        map.close();
        return format(result);
    }

    /**
     * The reader mode in this JVM: {@value #WARMUP_ROUNDS} warm-up rounds of the same threads on
     * {@value #WARMUP_ENTRIES} other keys, then the measured round on {@code keys}.
     */
    private static String runReadersChild(final LongMap.Kind kind, final Options options, final long[] keys)
        throws InterruptedException
    {
        // The warm-up rounds read the scheduler statistics too when the measured round will, so the readers' loop is
        // compiled for the path it measures.
        for (int round = 0; round < WARMUP_ROUNDS; round++)
        {
            final long[] warmup = Keys.distinct((int)Math.min(WARMUP_ENTRIES, keys.length),
                options.seed ^ 0x5DEECE66DL ^ round);
            readers(kind, warmup, options, options.seed + round).run();
        }
        usedHeapAfterGc(ManagementFactory.getMemoryMXBean());
        final ReadersDuringGrowth.Result result = readers(kind, keys, options, options.seed).run();
        return format(result.toMap(kind, options.readers));
    }

    private static ReadersDuringGrowth readers(final LongMap.Kind kind, final long[] keys, final Options options,
        final long seed)
    {
        final ReadersDuringGrowth readers =
            new ReadersDuringGrowth(kind, keys, options.readers, options.presized, seed);
        return options.machineStalls ? readers.withSchedStats() : readers;
    }

    private static void warmUp(final LongMap.Kind kind, final Options options, final int round)
    {
        final SplittableRandom random = new SplittableRandom(options.seed ^ 0x5DEECE66DL ^ round);
        final long warmup = Math.min(WARMUP_ENTRIES, options.entries);
        try (LongMap map = kind.create(0))
        {
            for (long i = 0; i < warmup; i++)
            {
                map.set(random.nextLong(), i);
            }
            long sink = 0;
            for (long i = 0; i < warmup; i++)
            {
                sink += map.get(random.nextLong());
            }
            if (sink == 42)
            {
                System.err.print("");
            }
        }
    }

    private static void verify(final LongMap map, final long[] keys)
    {
        final SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 10_000; i++)
        {
            final int index = random.nextInt(keys.length);
            final long value = map.get(keys[index]);
            if (value < 0 || keys[(int)value] != keys[index])
            {
                throw new IllegalStateException("map returned " + value + " for key #" + index);
            }
        }
    }

    static long usedHeapAfterGc(final MemoryMXBean memory)
    {
        for (int i = 0; i < 3; i++)
        {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    /** The largest allocation outside a TLAB (every large array is one) since {@code fromNanoTime}. */
    static long largestOutsideTlabAllocation(final Path jfrFile, final long fromNanoTime) throws IOException
    {
        final java.time.Instant from = java.time.Instant.now().minusNanos(System.nanoTime() - fromNanoTime);
        long largest = 0;
        for (final RecordedEvent event : RecordingFile.readAllEvents(jfrFile))
        {
            if ("jdk.ObjectAllocationOutsideTLAB".equals(event.getEventType().getName()) &&
                !event.getStartTime().isBefore(from))
            {
                largest = Math.max(largest, event.getLong("allocationSize"));
            }
        }
        return largest;
    }

    /** Values over 1 ms recorded in {@code histogram}. */
    static long over1ms(final Histogram histogram)
    {
        return histogram.getCountBetweenValues(1_000_001, Math.max(1_000_001, histogram.getMaxValue()));
    }

    // ----------------------------------------------------------------------------------------------------------
    // Reporting.
    // ----------------------------------------------------------------------------------------------------------

    static String table(final List<Map<String, String>> results, final Options options)
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT,
            "Growth from %s to %,d random keys, each map in its own JVM (%s, %s).%n%n",
            options.presized ? "pre-sized" : "empty", options.entries, System.getProperty("java.vm.name"),
            System.getProperty("java.version")));
        out.append("| Map | p50 put | p99 | p99.9 | p99.99 | Worst put | Puts > 1 ms | Total | Avg put | " +
            "Largest allocation | Bytes/entry (heap + off-heap) |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Map<String, String> r : results)
        {
            final String title = LongMap.Kind.valueOf(r.get("kind")).title;
            if (appendedError(out, r, 11))
            {
                continue;
            }
            final long entries = Long.parseLong(r.get("entries"));
            final long heap = Long.parseLong(r.get("heapBytes"));
            final long offHeap = Long.parseLong(r.get("offHeapBytes"));
            final long largest = Math.max(Long.parseLong(r.get("largestHeapAllocation")),
                Long.parseLong(r.get("largestNativeAllocation")));
            out.append(String.format(Locale.ROOT,
                "| %s | %s | %s | %s | %s | %s | %s | %s | %.0f ns | %s | %.1f (%.1f + %.1f) |%n",
                title, micros(r.get("p50")), micros(r.get("p99")), micros(r.get("p999")), micros(r.get("p9999")),
                millis(r.get("max")), r.get("over1ms"), seconds(r.get("totalNs")),
                Double.parseDouble(r.get("totalNs")) / entries, bytes(largest),
                (double)(heap + offHeap) / entries, (double)heap / entries, (double)offHeap / entries));
        }
        out.append(ratios(results, "max", "put"));
        out.append(splitTable(results));
        out.append(machineStallsTable(results));
        out.append(worstPuts(results));
        return out.toString();
    }

    /**
     * Each map's {@value #WORST_PUTS} worst puts with the JVM uptime at which each ended, to line up with the
     * child's {@code -Xlog} output (pass {@code --jvm-arg -Xlog:safepoint,gc}) or the machine's {@code vmstat}.
     */
    static String worstPuts(final List<Map<String, String>> results)
    {
        final StringBuilder out = new StringBuilder();
        for (final Map<String, String> r : results)
        {
            final String encoded = r.get("worstPuts");
            if (encoded == null || encoded.isEmpty())
            {
                continue;
            }
            if (out.length() == 0)
            {
                out.append(String.format(Locale.ROOT, "%nWorst puts, largest first, each with the JVM uptime at " +
                    "which it ended (the clock of -Xlog's uptime decoration) and its index:%n%n"));
            }
            out.append(String.format(Locale.ROOT, "* %s: %s%n", LongMap.Kind.valueOf(r.get("kind")).title,
                WorstLatencies.describe(encoded, "put", worstPutNotes(r))));
        }
        return out.toString();
    }

    /**
     * With {@code --machine-stalls}, what each worst put overlapped: the machine's own stall (from the meter), and
     * how long the writer waited for a CPU that another thread of this machine held, or was blocked (from its
     * scheduler statistics around the put); null without the meter.
     */
    static String[] worstPutNotes(final Map<String, String> result)
    {
        final String stalled = result.get("worstPutsStalled");
        if (stalled == null || stalled.isEmpty())
        {
            return null;
        }
        final String[] stalledNanos = stalled.split(";");
        final String[] waited = split(result.get("worstPutsWaited"));
        final String[] blocked = split(result.get("worstPutsBlocked"));
        final String[] notes = new String[stalledNanos.length];
        for (int rank = 0; rank < notes.length; rank++)
        {
            final long nanos = Long.parseLong(stalledNanos[rank]);
            final StringBuilder note = new StringBuilder(nanos > 0 ?
                String.format(Locale.ROOT, "machine stalled %.3f ms of it", nanos / 1e6) : "no machine stall");
            if (waited != null && rank < waited.length)
            {
                note.append(String.format(Locale.ROOT, ", waited %.3f ms for a CPU",
                    Long.parseLong(waited[rank]) / 1e6));
            }
            if (blocked != null && rank < blocked.length)
            {
                note.append(String.format(Locale.ROOT, ", blocked %.3f ms", Long.parseLong(blocked[rank]) / 1e6));
            }
            notes[rank] = note.toString();
        }
        return notes;
    }

    private static String[] split(final String list)
    {
        return list == null || list.isEmpty() ? null : list.split(";");
    }

    /**
     * Add what the machine-stall meter saw while the child measured: how many wake-ups came late, how many of them
     * by at least 1 and 5 ms that the scheduler did not see, the longest, and for each worst put the longest unseen
     * stall inside it. A child that failed, or did not report its measurement window, is left as it is.
     */
    static void addMachineStalls(final Map<String, String> result, final MachineStalls meter)
    {
        if (!result.containsKey("measureFromNanoTime"))
        {
            return;
        }
        final MachineStalls.Summary summary = meter.summary(Long.parseLong(result.get("measureFromNanoTime")),
            Long.parseLong(result.get("measureToNanoTime")));
        result.put("stallLate", Long.toString(summary.late));
        result.put("stallUnseen1ms", Long.toString(summary.unseen1ms));
        result.put("stallUnseen5ms", Long.toString(summary.unseen5ms));
        result.put("stallLongestUnseen", Long.toString(summary.longestUnseenNanos));
        result.put("stallMeterPinned", Boolean.toString(meter.pinned()));
        result.put("stallMeterThreads", Integer.toString(meter.threadCount()));
        result.put("stallMeterCpus", Integer.toString(MachineStalls.allowedCpus().length));
        if (result.containsKey("worstGetEndNanoTime"))
        {
            final long end = Long.parseLong(result.get("worstGetEndNanoTime"));
            result.put("worstGetStalled", Long.toString(Math.max(0,
                meter.stalledWithin(end - Long.parseLong(result.get("worstGet")), end))));
        }
        final String worst = result.get("worstPuts");
        final String ends = result.get("worstPutsEndNanoTime");
        if (worst == null || ends == null || worst.isEmpty())
        {
            return;
        }
        final String[] items = worst.split(";");
        final String[] endTimes = ends.split(";");
        if (items.length != endTimes.length)
        {
            throw new IllegalArgumentException("worst puts and their end times differ in number: '" + worst +
                "' and '" + ends + "'");
        }
        final StringBuilder stalled = new StringBuilder();
        for (int i = 0; i < items.length; i++)
        {
            final long latency = Long.parseLong(items[i].substring(0, items[i].indexOf('@')));
            final long end = Long.parseLong(endTimes[i]);
            if (i > 0)
            {
                stalled.append(';');
            }
            stalled.append(Math.max(0, meter.stalledWithin(end - latency, end)));
        }
        result.put("worstPutsStalled", stalled.toString());
    }

    /**
     * With {@code --machine-stalls}: per map, the machine's own stalls while its child measured, against its worst
     * put (and in reader mode its worst get). When the longest stall the scheduler did not see is as long as the
     * worst put, the machine set the worst put, and no map could have met a bound below it on this machine.
     */
    static String machineStallsTable(final List<Map<String, String>> results)
    {
        final boolean readers = results.stream().anyMatch(r -> r.containsKey("getMax"));
        final StringBuilder out = new StringBuilder();
        for (final Map<String, String> r : results)
        {
            if (!r.containsKey("stallUnseen1ms"))
            {
                continue;
            }
            if (out.length() == 0)
            {
                out.append(String.format(Locale.ROOT, "%nMachine stalls while each map's child measured " +
                    "(--machine-stalls): wake-ups of meter threads in the harness's own JVM, due every 1 ms, that " +
                    "came at least 1 ms late; \"unseen\" is the part of the lateness the kernel's scheduler did not " +
                    "account for as run delay, time in which the CPU ran nothing the kernel knows of (under a " +
                    "hypervisor, the host did not run the virtual CPU). Meter: %s. See MachineStalls.%n%n" +
                    "| Map | Late wake-ups | Unseen >= 1 ms | Unseen >= 5 ms | Longest unseen | Worst put |%s%n" +
                    "|---|---:|---:|---:|---:|---:|%s%n",
                    MachineStalls.meterThreads(Boolean.parseBoolean(r.get("stallMeterPinned")),
                        Integer.parseInt(r.get("stallMeterThreads")), Integer.parseInt(r.get("stallMeterCpus"))),
                    readers ? " Worst get |" : "", readers ? "---:|" : ""));
            }
            String worstGet = "";
            if (readers)
            {
                worstGet = " " + millis(r.get("getMax")) + (r.containsKey("worstGetStalled") ? String.format(
                    Locale.ROOT, " (machine stalled %.3f ms of it%s)", Long.parseLong(r.get("worstGetStalled")) / 1e6,
                    r.containsKey("worstGetWaited") ? String.format(Locale.ROOT,
                        ", waited %.3f ms for a CPU, blocked %.3f ms", Long.parseLong(r.get("worstGetWaited")) / 1e6,
                        Long.parseLong(r.get("worstGetBlocked")) / 1e6) : "") : "") + " |";
            }
            out.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %s | %s |%s%n",
                LongMap.Kind.valueOf(r.get("kind")).title, Long.parseLong(r.get("stallLate")),
                Long.parseLong(r.get("stallUnseen1ms")), Long.parseLong(r.get("stallUnseen5ms")),
                millis(r.get("stallLongestUnseen")), millis(r.get("max")), worstGet));
        }
        return out.toString();
    }

    /**
     * docref's puts that split a segment (its segment count changed during the put) against all its other puts: if
     * the other puts stall as long, the worst put is the machine's, not the split's.
     */
    static String splitTable(final List<Map<String, String>> results)
    {
        final StringBuilder out = new StringBuilder();
        for (final Map<String, String> r : results)
        {
            if (!r.containsKey("splitPuts"))
            {
                continue;
            }
            if (out.length() == 0)
            {
                out.append(String.format(Locale.ROOT, "%nPuts that split a segment against all other puts:%n%n" +
                    "| Map | Puts that split | Their p50 | Their p99 | Worst of them | Of them > 1 ms | " +
                    "Worst other put | Other puts > 1 ms |%n|---|---:|---:|---:|---:|---:|---:|---:|%n"));
            }
            out.append(String.format(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s | %s | %s |%n",
                LongMap.Kind.valueOf(r.get("kind")).title, Long.parseLong(r.get("splitPuts")),
                micros(r.get("splitP50")), micros(r.get("splitP99")), millis(r.get("splitMax")), r.get("splitOver1ms"),
                millis(r.get("otherMax")), r.get("otherOver1ms")));
        }
        return out.toString();
    }

    /**
     * The worst of {@code maxKey} and the total time, docref (thread-safe) against fastutil and against the
     * single-threaded docref, for those of the three that ran.
     */
    private static String ratios(final List<Map<String, String>> results, final String maxKey, final String what)
    {
        final Map<String, String> docref = find(results, LongMap.Kind.PRESIZED);
        final Map<String, String> single = find(results, LongMap.Kind.PRESIZED_ST);
        final Map<String, String> fastutil = find(results, LongMap.Kind.FASTUTIL);
        final StringBuilder out = new StringBuilder();
        if (docref != null && fastutil != null)
        {
            final double docrefWorst = Double.parseDouble(docref.get(maxKey));
            final double fastutilWorst = Double.parseDouble(fastutil.get(maxKey));
            out.append(String.format(Locale.ROOT,
                "%nRatios, docref / fastutil in this run: worst %s %.5fx (%s), writer's total time %.2fx.%n", what,
                docrefWorst / fastutilWorst, largerOf(docrefWorst, fastutilWorst),
                Double.parseDouble(docref.get("totalNs")) / Double.parseDouble(fastutil.get("totalNs"))));
        }
        if (docref != null && single != null)
        {
            out.append(String.format(Locale.ROOT,
                "%nRatios, docref thread-safe / single-threaded in this run: worst %s %.2fx, writer's total time " +
                "%.2fx.%n", what, Double.parseDouble(docref.get(maxKey)) / Double.parseDouble(single.get(maxKey)),
                Double.parseDouble(docref.get("totalNs")) / Double.parseDouble(single.get("totalNs"))));
        }
        return out.toString();
    }

    /** Which of docref's and fastutil's worst latencies is larger, and how many times. */
    static String largerOf(final double docrefWorst, final double fastutilWorst)
    {
        if (docrefWorst == fastutilWorst)
        {
            return "equal";
        }
        final String larger = docrefWorst < fastutilWorst ? "fastutil" : "docref";
        final double smaller = Math.min(docrefWorst, fastutilWorst);
        if (smaller <= 0)
        {
            return larger + "'s is larger";
        }
        final double times = Math.max(docrefWorst, fastutilWorst) / smaller;
        return String.format(Locale.ROOT, times < 10 ? "%s's is %.1fx larger" : "%s's is %.0fx larger", larger, times);
    }

    static String readersTable(final List<Map<String, String>> results, final Options options)
    {
        final StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT,
            "%d reader threads getting random keys already inserted while one writer grows the map from %s to %,d " +
            "random keys, each map in its own JVM (%s, %s, %d CPUs). Every get is timed and its value checked. " +
            "Locking: the thread-safe docref map is shared with none; every other map, the single-threaded docref " +
            "map included, is not thread-safe and sits behind a java.util.concurrent.locks.ReentrantReadWriteLock " +
            "(non-fair): read lock around each get, write lock around each put.%n%n", options.readers,
            options.presized ? "pre-sized" : "empty", options.entries, System.getProperty("java.vm.name"),
            System.getProperty("java.version"), Runtime.getRuntime().availableProcessors()));
        out.append("| Map | Lock | Gets | p50 get | p99 | p99.9 | p99.99 | Worst get | Worst get per reader | " +
            "Gets > 1 ms | Writer: worst put | Writer: total |\n");
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Map<String, String> r : results)
        {
            final String title = LongMap.Kind.valueOf(r.get("kind")).title;
            if (appendedError(out, r, 12))
            {
                continue;
            }
            final StringBuilder perReader = new StringBuilder();
            for (final String worst : r.get("getMaxPerReader").split(","))
            {
                perReader.append(perReader.length() == 0 ? "" : ", ").append(millis(worst));
            }
            out.append(String.format(Locale.ROOT, "| %s | %s | %,d | %s | %s | %s | %s | %s | %s | %s | %s | %s |%n",
                title, r.get("locking"), Long.parseLong(r.get("gets")), micros(r.get("getP50")),
                micros(r.get("getP99")), micros(r.get("getP999")), micros(r.get("getP9999")), millis(r.get("getMax")),
                perReader, r.get("getsOver1ms"), millis(r.get("max")), seconds(r.get("totalNs"))));
        }
        out.append(ratios(results, "getMax", "get"));
        out.append(machineStallsTable(results));
        return out.toString();
    }

    /** If {@code r} is a failed child's result, append a row with its error spanning the table's columns. */
    private static boolean appendedError(final StringBuilder out, final Map<String, String> r, final int columns)
    {
        if (!r.containsKey("error"))
        {
            return false;
        }
        out.append("| ").append(LongMap.Kind.valueOf(r.get("kind")).title).append(" | ").append(r.get("error"))
            .append(" |").append("|".repeat(columns - 2)).append('\n');
        return true;
    }

    private static Map<String, String> find(final List<Map<String, String>> results, final LongMap.Kind kind)
    {
        for (final Map<String, String> r : results)
        {
            if (kind.name().equals(r.get("kind")) && !r.containsKey("error"))
            {
                return r;
            }
        }
        return null;
    }

    static String micros(final String nanos)
    {
        return String.format(Locale.ROOT, "%.2f us", Long.parseLong(nanos) / 1e3);
    }

    static String millis(final String nanos)
    {
        return nanos == null ? "-" : String.format(Locale.ROOT, "%.3f ms", Long.parseLong(nanos) / 1e6);
    }

    static String seconds(final String nanos)
    {
        return nanos == null ? "-" : String.format(Locale.ROOT, "%.2f s", Long.parseLong(nanos) / 1e9);
    }

    static String bytes(final long bytes)
    {
        if (bytes >= 1L << 30)
        {
            return String.format(Locale.ROOT, "%.2f GiB", bytes / (double)(1L << 30));
        }
        if (bytes >= 1L << 20)
        {
            return String.format(Locale.ROOT, "%.2f MiB", bytes / (double)(1L << 20));
        }
        if (bytes >= 1L << 10)
        {
            return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
        }
        return bytes + " bytes";
    }

    static String format(final Map<String, String> result)
    {
        final StringBuilder out = new StringBuilder();
        result.forEach((k, v) -> out.append(k).append('=').append(v).append(' '));
        return out.toString().trim();
    }

    static Map<String, String> parse(final String line)
    {
        final Map<String, String> result = new LinkedHashMap<>();
        for (final String part : line.trim().split(" "))
        {
            final int eq = part.indexOf('=');
            result.put(part.substring(0, eq), part.substring(eq + 1));
        }
        return result;
    }

    static final class Options
    {
        static final String USAGE = String.join("\n",
            "usage: GrowthPauseHarness [--entries N]",
            "                          [--maps " + LongMap.Kind.ids(",") + "]",
            "                          [--mode puts|readers] [--readers N] [--presized] [--seed S] [--child-heap 16g]",
            "                          [--jvm-arg ARG]... [--machine-stalls] [--out FILE]",
            "  --entries N      keys to insert, 1 to 2147483639 (default 58720257, one past the incident's resize",
            "                   threshold)",
            "  --maps LIST      maps to compare, each in its own JVM (default: all " + LongMap.Kind.values().length +
                ")",
            "  --mode MODE      puts: time every put of one thread (default); readers: also time every get of",
            "                   --readers threads reading while the map grows (maps that are not thread-safe behind",
            "                   a ReentrantReadWriteLock)",
            "  --readers N      reader threads, 1 to " + MAX_READERS + ", with --mode readers only (default 2)",
            "  --presized       construct each map for N entries first (default: grow from empty)",
            "  --child-heap X   -Xms and -Xmx of each child JVM, as -Xmx takes it (default 16g; java.util.HashMap",
            "                   needs about 6g at 58.7M); refused if below the heap a selected map's child must",
            "                   hold at once (its key array and the map's arrays)",
            "  --jvm-arg ARG    extra child JVM argument, repeatable",
            "  --machine-stalls run a machine-stall meter (MachineStalls) in this JVM while each child measures, and",
            "                   report how long the machine itself stalled, and for how much of each worst put",
            "                   (Linux; costs each CPU 1,000 short wake-ups a second)",
            "  --out FILE       also append the markdown table to FILE");

        long entries = DEFAULT_ENTRIES;
        List<LongMap.Kind> maps = List.of(LongMap.Kind.values());
        boolean presized;
        /** {@code --machine-stalls}: meter the machine's own stalls while each child measures. */
        boolean machineStalls;
        /** {@code --mode readers}: readers get while the writer grows. */
        boolean readersMode;
        int readers = 2;
        long seed = 20261129L;
        String childHeap = "16g";
        final List<String> jvmArgs = new ArrayList<>();
        Path out;
        LongMap.Kind child;

        static Options parse(final String[] args)
        {
            final Options options = new Options();
            String readers = null;
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                switch (arg)
                {
                    case "--entries":
                        // Checked here, not in each child: a child would fail after the JVM started, and the run
                        // would go on to the next map. The limit is the keys one long[] holds: each child holds its
                        // keys in one.
                        options.entries = ScaleHarness.Options.count(arg, CommandLine.value(args, ++i, arg), 1,
                            MAX_ENTRIES, "e.g. --entries 10000000; to grow one map further, use ScaleHarness, which " +
                            "holds no key array");
                        break;
                    case "--maps":
                        final List<LongMap.Kind> maps = new ArrayList<>();
                        for (final String name : CommandLine.list(arg, CommandLine.value(args, ++i, arg)))
                        {
                            maps.add(LongMap.Kind.parse(name));
                        }
                        options.maps = maps;
                        break;
                    case "--machine-stalls":
                        final String unsupported = MachineStalls.unsupportedReason();
                        if (unsupported != null)
                        {
                            throw new IllegalArgumentException(unsupported);
                        }
                        options.machineStalls = true;
                        break;
                    case "--presized":
                        options.presized = true;
                        break;
                    case "--mode":
                        final String mode = CommandLine.value(args, ++i, arg);
                        if (!mode.equals("puts") && !mode.equals("readers"))
                        {
                            throw new IllegalArgumentException("--mode must be puts or readers but was '" + mode +
                                "'");
                        }
                        options.readersMode = mode.equals("readers");
                        break;
                    case "--readers":
                        readers = CommandLine.value(args, ++i, arg);
                        options.readers = (int)ScaleHarness.Options.count(arg, readers, 1, MAX_READERS,
                            "e.g. --readers 2, or as many as the machine has CPUs less one for the writer");
                        break;
                    case "--seed":
                        options.seed =
                            ScaleHarness.Options.count(arg, CommandLine.value(args, ++i, arg), Long.MIN_VALUE);
                        break;
                    case "--child-heap":
                        options.childHeap = CommandLine.heapSize(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--jvm-arg":
                        options.jvmArgs.add(CommandLine.value(args, ++i, arg));
                        break;
                    case "--out":
                        options.out = CommandLine.outputFile(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--child":
                        options.child = LongMap.Kind.parse(CommandLine.value(args, ++i, arg));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            options.checkChildHeap();
            if (readers != null && !options.readersMode)
            {
                // Write mode has no readers: taking the count silently would run another test than the one asked for.
                throw new IllegalArgumentException("--readers " + readers + " applies only to reader mode, but " +
                    "--mode is puts; add --mode readers to time the gets of " + readers + " readers while the map " +
                    "grows, or drop --readers");
            }
            return options;
        }

        /**
         * Refuse a {@code --child-heap} smaller than the live heap some selected map's child must hold at once (its
         * key array and the map's own arrays, {@link #minChildHeapBytes}), before any child starts: that child can
         * only run out of memory, and it would do so minutes in, after the maps before it. Refused, not warned:
         * the figure is a floor of what the child holds, so no run of that child can succeed.
         */
        void checkChildHeap()
        {
            if (child != null)
            {
                return;
            }
            final long heap = CommandLine.heapBytes(childHeap);
            for (final LongMap.Kind kind : maps)
            {
                final long needed = minChildHeapBytes(kind, entries, presized);
                if (needed > heap)
                {
                    throw new IllegalArgumentException(String.format(Locale.ROOT, "--child-heap %s is too small " +
                        "for %s at --entries %,d: its child holds at least %s of heap at once (the %s key array " +
                        "and %s for the map%s), more than %s; pass --child-heap %dg or more, fewer --entries, or " +
                        "leave %s out of --maps", childHeap, kind.title, entries, bytes(needed), bytes(Keys.arrayBytes(
                        entries)), bytes(needed - Keys.arrayBytes(entries)), kind == LongMap.Kind.HASHMAP ?
                        ": a node, a boxed key and a boxed value per entry, and its table" : "'s table",
                        bytes(heap), (needed + (1L << 30) - 1) >> 30, kind.id()));
                }
            }
        }

        /**
         * A floor of the heap a child of {@code kind} holds at once at the end of its run: its key array
         * ({@link Keys#arrayBytes}) and the map's own arrays and objects, grown from empty unless {@code presized}
         * ({@link LongMap.Kind#minHeapBytes}). Not counted, so the child needs more: the warm-up, JFR, the GC's own
         * room.
         */
        static long minChildHeapBytes(final LongMap.Kind kind, final long entries, final boolean presized)
        {
            return Keys.arrayBytes(entries) + kind.minHeapBytes(entries, !presized);
        }
    }
}
