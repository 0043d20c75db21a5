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
 * latency of every single put in an HdrHistogram.
 * <p>
 * It reports, per map: put latency at p50, p99, p99.9, p99.99 and max; total time and average put; the largest
 * single allocation made while growing (heap allocations from JFR's {@code jdk.ObjectAllocationOutsideTLAB} events,
 * where every large array shows up, and native allocations as the map reports them); and heap plus off-heap bytes per
 * entry after growth (heap measured as used-after-GC minus the same before the map existed).
 * <p>
 * Each child first warms up by growing three throwaway maps of the same kind to 2M keys, so that the JIT has
 * compiled the put and resize paths of every map before measurement. Children run with {@code -Xms} equal to
 * {@code -Xmx}, as databases do. Each put is timed with one {@code System.nanoTime()}
 * call (about 18 ns on the reference machine), included equally in every map's figures.
 * <p>
 * Run (defaults: all maps, N = 58,720,257, one past the seed incident's resize threshold; needs about 16 GiB free
 * for {@code java.util.HashMap}):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.GrowthPauseHarness
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.GrowthPauseHarness --entries 10000000 --maps presized,fastutil
 * </pre>
 */
public final class GrowthPauseHarness
{
    /** 7/8 * 2^26 + 1: one past the entry count at which the seed incident's map doubled. */
    public static final long DEFAULT_ENTRIES = 58_720_257L;
    private static final long WARMUP_ENTRIES = 2_000_000L;
    private static final int WARMUP_ROUNDS = 3;
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
            System.err.printf(Locale.ROOT, "[growth] %s: inserting %,d keys from %s in a new JVM...%n", kind.title,
                options.entries, options.presized ? "a pre-sized map" : "empty");
            final Map<String, String> result = runInChildJvm(kind, options);
            results.add(result);
            System.err.printf(Locale.ROOT, "[growth] %s: worst put %s, total %s%n", kind.title,
                millis(result.get("max")), seconds(result.get("totalNs")));
        }
        final String table = table(results, options);
        System.out.println(table);
        if (options.out != null)
        {
            Files.createDirectories(options.out.toAbsolutePath().getParent());
            Files.writeString(options.out, table + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
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

    static String runChild(final LongMap.Kind kind, final Options options) throws IOException
    {
        final long n = options.entries;
        if (n > Integer.MAX_VALUE - 8)
        {
            throw new IllegalArgumentException("--entries " + n + " is more than one key array holds here");
        }
        final long largestHeapAllocation;
        final long[] keys = new long[(int)n];
        final SplittableRandom random = new SplittableRandom(options.seed);
        for (int i = 0; i < keys.length; i++)
        {
            keys[i] = random.nextLong();
        }
        final Histogram histogram = new Histogram(3_600_000_000_000L, 3);
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        final Path jfrFile = Files.createTempFile("docref-growth-", ".jfr");
        final long totalNs;
        final LongMap map;
        final long heapBefore;
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
            final long start = System.nanoTime();
            long previous = start;
            for (int i = 0; i < keys.length; i++)
            {
                map.set(keys[i], i);
                final long now = System.nanoTime();
                histogram.recordValue(now - previous);
                previous = now;
            }
            totalNs = previous - start;

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
        result.put("over1ms", Long.toString(histogram.getCountBetweenValues(1_000_001, histogram.getMaxValue())));
        result.put("largestHeapAllocation", Long.toString(largestHeapAllocation));
        result.put("largestNativeAllocation", Long.toString(map.largestNativeAllocationBytes()));
        result.put("heapBytes", Long.toString(heapBytes));
        result.put("offHeapBytes", Long.toString(map.offHeapBytes()));
        map.close();
        return format(result);
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
            if (r.containsKey("error"))
            {
                out.append("| ").append(title).append(" | ").append(r.get("error")).append(" |||||||||\n");
                continue;
            }
            final long entries = Long.parseLong(r.get("entries"));
            final long heap = Long.parseLong(r.get("heapBytes"));
            final long offHeap = Long.parseLong(r.get("offHeapBytes"));
            final long largest = Math.max(Long.parseLong(r.get("largestHeapAllocation")),
                Long.parseLong(r.get("largestNativeAllocation")));
            out.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %.0f ns | %s | %.1f (%.1f + %.1f) |%n",
                title, micros(r.get("p50")), micros(r.get("p99")), micros(r.get("p999")), micros(r.get("p9999")),
                millis(r.get("max")), r.get("over1ms"), seconds(r.get("totalNs")),
                Double.parseDouble(r.get("totalNs")) / entries, bytes(largest),
                (double)(heap + offHeap) / entries, (double)heap / entries, (double)offHeap / entries));
        }
        final Map<String, String> docref = find(results, LongMap.Kind.PRESIZED);
        final Map<String, String> fastutil = find(results, LongMap.Kind.FASTUTIL);
        if (docref != null && fastutil != null)
        {
            out.append(String.format(Locale.ROOT,
                "%nRatios, docref / fastutil in this run: worst put %.5fx (fastutil's is %.0fx larger), " +
                "average put %.2fx.%n",
                Double.parseDouble(docref.get("max")) / Double.parseDouble(fastutil.get("max")),
                Double.parseDouble(fastutil.get("max")) / Double.parseDouble(docref.get("max")),
                Double.parseDouble(docref.get("totalNs")) / Double.parseDouble(fastutil.get("totalNs"))));
        }
        return out.toString();
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
        return String.format(Locale.ROOT, "%.0f KiB", bytes / 1024.0);
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
            "usage: GrowthPauseHarness [--entries N] [--maps presized,fastutil,agrona,hppc,eclipse,hashmap]",
            "                          [--presized] [--seed S] [--child-heap 16g] [--jvm-arg ARG]... [--out FILE]",
            "  --entries N      keys to insert (default 58720257, one past the incident's resize threshold)",
            "  --maps LIST      maps to compare, each in its own JVM (default: all six)",
            "  --presized       construct each map for N entries first (default: grow from empty)",
            "  --child-heap X   -Xmx of each child JVM (default 16g; java.util.HashMap needs about 6g at 58.7M)",
            "  --jvm-arg ARG    extra child JVM argument, repeatable",
            "  --out FILE       also append the markdown table to FILE");

        long entries = DEFAULT_ENTRIES;
        List<LongMap.Kind> maps = List.of(LongMap.Kind.values());
        boolean presized;
        long seed = 20261129L;
        String childHeap = "16g";
        final List<String> jvmArgs = new ArrayList<>();
        Path out;
        LongMap.Kind child;

        static Options parse(final String[] args)
        {
            final Options options = new Options();
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                switch (arg)
                {
                    case "--entries":
                        options.entries = parsePositive(arg, value(args, ++i, arg));
                        break;
                    case "--maps":
                        final List<LongMap.Kind> maps = new ArrayList<>();
                        for (final String name : value(args, ++i, arg).split(","))
                        {
                            maps.add(LongMap.Kind.parse(name.trim()));
                        }
                        options.maps = maps;
                        break;
                    case "--presized":
                        options.presized = true;
                        break;
                    case "--seed":
                        options.seed = Long.parseLong(value(args, ++i, arg));
                        break;
                    case "--child-heap":
                        options.childHeap = value(args, ++i, arg);
                        break;
                    case "--jvm-arg":
                        options.jvmArgs.add(value(args, ++i, arg));
                        break;
                    case "--out":
                        options.out = Path.of(value(args, ++i, arg));
                        break;
                    case "--child":
                        options.child = LongMap.Kind.parse(value(args, ++i, arg));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            return options;
        }

        private static String value(final String[] args, final int index, final String name)
        {
            if (index >= args.length)
            {
                throw new IllegalArgumentException(name + " needs a value");
            }
            return args[index];
        }

        private static long parsePositive(final String name, final String value)
        {
            try
            {
                final long parsed = Long.parseLong(value.replace("_", "").replace(",", ""));
                if (parsed <= 0)
                {
                    throw new IllegalArgumentException(name + " must be positive but was " + value);
                }
                return parsed;
            }
            catch (final NumberFormatException ex)
            {
                throw new IllegalArgumentException(name + " must be a whole number but was '" + value + "'");
            }
        }
    }
}
