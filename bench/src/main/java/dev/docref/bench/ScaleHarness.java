package dev.docref.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import dev.docref.core.Concurrency;
import dev.docref.core.PresizedDocRefMap;
import dev.docref.core.SegmentSizing;
import jdk.jfr.Recording;
import org.HdrHistogram.Histogram;

/**
 * Scale harness: grows one {@code PresizedDocRefMap} towards {@code --max-entries} random keys (default
 * 1,000,000,000) without holding a key array, and reports along the way the bytes per entry (heap plus off-heap,
 * measured) and the worst single put.
 * <p>
 * Keys are the consecutive outputs of one seeded {@link SplittableRandom}, distinct by construction (see
 * {@link Keys}); key number {@code i} maps to {@code i}. At the end the same seed regenerates every key and each is
 * checked, so no key array is ever held: at 1B entries that would be 8 GB of heap. Every put is timed on its own
 * ({@code System.nanoTime()} before and after, about 20 ns each on the reference machine, not included in the
 * figures' loop overhead) into an HdrHistogram. Every {@code --report-every} entries a checkpoint records: off-heap
 * bytes (the map's own count of its native blocks), heap bytes (used after {@code System.gc()}, less the same before
 * the map existed), the process's resident set size from {@code /proc/self/status} as an independent check, the
 * worst put since the last checkpoint and overall, and the largest heap allocation so far (JFR
 * {@code jdk.ObjectAllocationOutsideTLAB}, where every large array shows up).
 * <p>
 * It stops at {@code --max-entries}, or before the put that could take the map's native memory past
 * {@code --max-native} (it stops once less than 8 segments' bytes remain below the limit: a put allocates at most a
 * few segment blocks), or when the map throws {@link OutOfMemoryError}. An {@code --expected} count whose pre-sized
 * map alone would pass that point (10,000,000 at the defaults pre-sizes 181.59 MiB) is refused before the run, with
 * the largest count that fits: the map would allocate it all up front and the run would stop at 0 entries.
 * A grown map's bytes per entry oscillate between about 19 and 37 (all segments fill and split at about the same
 * count), so where the run stops matters: the checkpoint table shows the waves.
 * <p>
 * Run it alone on the machine. Grown from empty at the default settings the 1B case needs about 32 GiB native (a
 * wave of splits to 262,144 segments starts near 931M entries), so on a 24 GiB machine grow it with 8 MiB segments
 * filled to 15/16, which hold 1.006B entries in 2,048 segments (16 GiB):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -Xms2g -Xmx2g -Ddocref.disable.bounds.checks=true -cp bench/target/benchmarks.jar \
 *       dev.docref.bench.ScaleHarness \
 *       --max-entries 1000000000 --max-native 20GiB --segment-bytes 8MiB --load-factor 0.9375 \
 *       --report-every 50000000 --verify-every 100 --out bench/results/scale-1b.md
 * </pre>
 * The map is thread-safe, as {@code withCapacity} builds it, unless {@code --concurrency single-threaded}. The
 * harness itself is not thread-safe; one map, one thread. The map is closed (its memory freed) before {@link #run}
 * returns.
 */
public final class ScaleHarness
{
    /** Segment blocks' worth of native bytes kept free below {@code --max-native}. */
    static final int HEADROOM_SEGMENTS = 8;

    private ScaleHarness()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final Options options = CommandLine.parseOrExit(args, Options.USAGE, Options::parse);
        final Result result = run(options);
        final String report = result.report(options);
        System.out.println(report);
        if (options.out != null)
        {
            CommandLine.write(options.out, report);
        }
        if (!result.verified)
        {
            System.exit(1);
        }
    }

    /** One row of the checkpoint table. */
    static final class Checkpoint
    {
        long entries;
        long offHeapBytes;
        long heapBytes;
        long rssBytes;
        int segments;
        long worstPutSinceLastNs;
        long worstPutNs;
        long largestHeapAllocation;
        double seconds;

        double bytesPerEntry()
        {
            return (offHeapBytes + heapBytes) / (double)entries;
        }
    }

    /** What a run found. */
    static final class Result
    {
        final List<Checkpoint> checkpoints = new ArrayList<>();
        final Histogram puts = new Histogram(3_600_000_000_000L, 3);
        long entries;
        long worstPutNs;
        long worstPutAtEntry;
        /**
         * The slowest get while verifying, timed like the puts: the map neither grows nor allocates then, so this is
         * the floor of what the machine, the JVM and the timing add on their own.
         */
        long worstVerifyGetNs;
        /** JVM uptime when the worst put ended, to find it in -Xlog:gc,safepoint output. */
        long worstPutAtUptimeMs;
        String stopReason;
        boolean verified;
        long verifiedKeys;
        long largestNativeAllocation;

        String report(final Options options)
        {
            final StringBuilder out = new StringBuilder();
            out.append(String.format(Locale.ROOT, "# PresizedDocRefMap grown towards %,d entries%n%n",
                options.maxEntries));
            out.append(String.format(Locale.ROOT, "Command: `java %s -cp bench/target/benchmarks.jar " +
                "dev.docref.bench.ScaleHarness %s`%n%n", String.join(" ",
                ManagementFactory.getRuntimeMXBean().getInputArguments()), options.commandLine));
            out.append(QuickComparison.machine()).append("\n\n");
            out.append(String.format(Locale.ROOT, "%s %s: stopped at %,d entries: %s. Verified %,d keys " +
                    "regenerated from seed %d: %s.%n%n", options.expected > 0 ? String.format(Locale.ROOT,
                    "Pre-sized for %,d entries", options.expected) : "Grown from empty", options.settings() +
                    (options.concurrency == Concurrency.THREAD_SAFE ? " (thread-safe)" : " but single-threaded"),
                entries, stopReason, verifiedKeys, options.seed, verified ? "all correct" : "FAILED"));
            out.append(String.format(Locale.ROOT, "Puts: p50 %s, p99 %s, p99.9 %s, p99.99 %s, worst %s (at entry " +
                    "%,d, JVM uptime %,d ms), %,d puts over 1 ms. Largest native allocation %s. Slowest get " +
                    "while verifying (no growth, no allocation: the machine's own jitter floor): %s.%n%n",
                nanos(puts.getValueAtPercentile(50)), nanos(puts.getValueAtPercentile(99)),
                nanos(puts.getValueAtPercentile(99.9)), nanos(puts.getValueAtPercentile(99.99)), nanos(worstPutNs),
                worstPutAtEntry, worstPutAtUptimeMs, GrowthPauseHarness.over1ms(puts),
                GrowthPauseHarness.bytes(largestNativeAllocation), nanos(worstVerifyGetNs)));
            out.append("| Entries | Bytes/entry (heap + off-heap) | Off-heap | Heap | Process RSS | Segments | " +
                "Worst put since previous row | Worst put so far | Largest heap allocation so far | Elapsed |\n");
            out.append("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            for (final Checkpoint c : checkpoints)
            {
                out.append(String.format(Locale.ROOT, "| %,d | %.1f | %s | %s | %s | %,d | %s | %s | %s | %.0f s |%n",
                    c.entries, c.bytesPerEntry(), GrowthPauseHarness.bytes(c.offHeapBytes),
                    GrowthPauseHarness.bytes(c.heapBytes), c.rssBytes < 0 ? "-" : GrowthPauseHarness.bytes(c.rssBytes),
                    c.segments, nanos(c.worstPutSinceLastNs), nanos(c.worstPutNs),
                    c.largestHeapAllocation < 0 ? "-" : GrowthPauseHarness.bytes(c.largestHeapAllocation), c.seconds));
            }
            return out.toString();
        }
    }

    /** Grow the map as {@code options} say, verify it, close it and return what was measured. */
    static Result run(final Options options) throws IOException
    {
        final Result result = new Result();
        final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        final Path jfrFile = Files.createTempFile("docref-scale-", ".jfr");
        // Without --jfr off, JFR starts before the baseline; its start-up would otherwise stall an early put.
        final Recording recording = options.jfr ? new Recording() : null;
        try
        {
            if (recording != null)
            {
                recording.enable("jdk.ObjectAllocationOutsideTLAB").withoutStackTrace();
                recording.start();
            }
            final long heapBefore = GrowthPauseHarness.usedHeapAfterGc(memory);
            final long start = System.nanoTime();
            final PresizedDocRefMap map = PresizedDocRefMap.builder().expectedEntries(options.expected)
                .segmentBytes(options.segmentBytes).loadFactor(options.loadFactor).concurrency(options.concurrency)
                .build();
            try
            {
                final long headroom = options.headroomBytes();
                final long nativeStop = options.maxNativeBytes - headroom;
                final SplittableRandom keys = new SplittableRandom(options.seed);
                final Histogram puts = result.puts;
                long worstSinceLast = 0;
                long i = 0;
                result.stopReason = "reached --max-entries";
                while (i < options.maxEntries)
                {
                    if (map.offHeapBytes() > nativeStop)
                    {
                        result.stopReason = String.format(Locale.ROOT, "native memory %s within %s of --max-native " +
                            "%s", GrowthPauseHarness.bytes(map.offHeapBytes()),
                            GrowthPauseHarness.bytes(headroom),
                            GrowthPauseHarness.bytes(options.maxNativeBytes));
                        break;
                    }
                    final long key = keys.nextLong();
                    final long t0 = System.nanoTime();
                    try
                    {
                        map.put(key, i);
                    }
                    catch (final OutOfMemoryError ex)
                    {
                        result.stopReason = "the map could not allocate: " + ex.getMessage();
                        break;
                    }
                    final long took = System.nanoTime() - t0;
                    puts.recordValue(took);
                    if (took > worstSinceLast)
                    {
                        worstSinceLast = took;
                        if (took > result.worstPutNs)
                        {
                            result.worstPutNs = took;
                            result.worstPutAtEntry = i + 1;
                            result.worstPutAtUptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
                        }
                    }
                    i++;
                    if (i % options.reportEvery == 0)
                    {
                        result.checkpoints.add(checkpoint(map, i, heapBefore, memory, worstSinceLast, result,
                            recording, jfrFile, start));
                        worstSinceLast = 0;
                        System.err.printf(Locale.ROOT, "[scale] %,d entries, %.1f bytes/entry, worst put %s%n", i,
                            last(result).bytesPerEntry(), nanos(result.worstPutNs));
                    }
                }
                result.entries = i;
                if (result.checkpoints.isEmpty() || last(result).entries != i)
                {
                    result.checkpoints.add(checkpoint(map, i, heapBefore, memory, worstSinceLast, result,
                        recording, jfrFile, start));
                }
                result.largestNativeAllocation = map.largestAllocationBytes();
                verify(map, i, options, result);
            }
            finally
            {
                map.close();
            }
        }
        finally
        {
            if (recording != null)
            {
                recording.close();
            }
            Files.deleteIfExists(jfrFile);
        }
        return result;
    }

    private static Checkpoint checkpoint(final PresizedDocRefMap map, final long entries, final long heapBefore,
        final MemoryMXBean memory, final long worstSinceLast, final Result result, final Recording recording,
        final Path jfrFile, final long start) throws IOException
    {
        final Checkpoint c = new Checkpoint();
        c.entries = entries;
        c.seconds = (System.nanoTime() - start) / 1e9;
        c.offHeapBytes = map.offHeapBytes();
        c.heapBytes = Math.max(0, GrowthPauseHarness.usedHeapAfterGc(memory) - heapBefore);
        c.rssBytes = residentSetBytes();
        c.segments = map.segmentCount();
        c.worstPutSinceLastNs = worstSinceLast;
        c.worstPutNs = result.worstPutNs;
        if (recording != null)
        {
            recording.dump(jfrFile);
            c.largestHeapAllocation = GrowthPauseHarness.largestOutsideTlabAllocation(jfrFile, start);
        }
        else
        {
            c.largestHeapAllocation = -1;
        }
        return c;
    }

    /** Regenerate the keys from the seed and check each (or every {@code --verify-every}-th) maps to its number. */
    private static void verify(final PresizedDocRefMap map, final long entries, final Options options,
        final Result result)
    {
        if (map.size() != entries)
        {
            result.verified = false;
            result.stopReason += String.format(Locale.ROOT, "; the map holds %,d entries, not %,d", map.size(),
                entries);
            return;
        }
        final SplittableRandom keys = new SplittableRandom(options.seed);
        long checked = 0;
        long worstGet = 0;
        for (long i = 0; i < entries; i++)
        {
            final long key = keys.nextLong();
            if (i % options.verifyEvery != 0)
            {
                continue;
            }
            final long t0 = System.nanoTime();
            final long value = map.get(key);
            worstGet = Math.max(worstGet, System.nanoTime() - t0);
            result.worstVerifyGetNs = worstGet;
            if (value != i)
            {
                result.verified = false;
                result.verifiedKeys = checked;
                result.stopReason += String.format(Locale.ROOT, "; key #%,d (%d) maps to %d", i, key, value);
                return;
            }
            checked++;
        }
        result.verifiedKeys = checked;
        result.verified = true;
    }

    private static Checkpoint last(final Result result)
    {
        return result.checkpoints.get(result.checkpoints.size() - 1);
    }

    /** The process's resident set size, or -1 where {@code /proc/self/status} is unavailable. */
    static long residentSetBytes()
    {
        try
        {
            for (final String line : Files.readAllLines(Path.of("/proc/self/status"), StandardCharsets.UTF_8))
            {
                if (line.startsWith("VmRSS:"))
                {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        }
        catch (final IOException | RuntimeException ex)
        {
            return -1;
        }
        return -1;
    }

    static String nanos(final long nanos)
    {
        if (nanos >= 1_000_000)
        {
            return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
        }
        if (nanos >= 1_000)
        {
            return String.format(Locale.ROOT, "%.1f us", nanos / 1e3);
        }
        return nanos + " ns";
    }

    static final class Options
    {
        static final String USAGE = String.join("\n",
            "usage: ScaleHarness [--max-entries N] [--max-native SIZE] [--expected N] [--report-every N]",
            "                    [--verify-every N] [--seed S] [--concurrency thread-safe|single-threaded]",
            "                    [--segment-bytes SIZE] [--load-factor F] [--jfr on|off] [--out FILE]",
            "  --max-entries N    keys to insert at most (default 1000000000)",
            "  --max-native SIZE  stop before the map's native memory could exceed this, e.g. 20GiB, 512MiB, 1g or",
            "                     plain bytes, more than 9 segments (default: 3/4 of physical memory)",
            "  --expected N       pre-size the map for N entries (default 0: grow from empty); its pre-sized",
            "                     memory must fit below --max-native less the headroom",
            "  --report-every N   entries between checkpoint rows (default 50000000)",
            "  --verify-every N   after growing, check every N-th regenerated key (default 1: all of them)",
            "  --seed S           seed of the key stream (default 20261129)",
            "  --concurrency C    thread-safe (default, as users get the map) or single-threaded",
            "  --segment-bytes SIZE  the map's segmentBytes, a power of two from " +
                PresizedDocRefMap.MIN_SEGMENT_BYTES + " bytes to 64MiB (default 128KiB)",
            "  --load-factor F    the map's loadFactor, strictly between 0 and 1 (default 0.875)",
            "  --jfr on|off       record heap allocations outside TLABs with JFR (default on; off drops the",
            "                     'largest heap allocation' column, to check that JFR does not add pauses)",
            "  --out FILE         also write the report to FILE");

        long maxEntries = 1_000_000_000L;
        long maxNativeBytes = defaultMaxNative();
        long expected;
        long reportEvery = 50_000_000L;
        long verifyEvery = 1;
        long seed = Keys.KEY_SEED;
        boolean jfr = true;
        Concurrency concurrency = Concurrency.THREAD_SAFE;
        int segmentBytes = PresizedDocRefMap.DEFAULT_SEGMENT_BYTES;
        double loadFactor = PresizedDocRefMap.DEFAULT_LOAD_FACTOR;
        Path out;
        String commandLine = "";

        static Options parse(final String[] args)
        {
            final Options options = new Options();
            options.commandLine = String.join(" ", args);
            for (int i = 0; i < args.length; i++)
            {
                final String arg = args[i];
                // Each case reads its value, so that an unknown last argument is named as unknown.
                switch (arg)
                {
                    case "--max-entries":
                        options.maxEntries = count(arg, CommandLine.value(args, ++i, arg), 1);
                        break;
                    case "--max-native":
                        options.maxNativeBytes = size(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--expected":
                        options.expected = count(arg, CommandLine.value(args, ++i, arg), 0);
                        break;
                    case "--report-every":
                        options.reportEvery = count(arg, CommandLine.value(args, ++i, arg), 1);
                        break;
                    case "--verify-every":
                        options.verifyEvery = count(arg, CommandLine.value(args, ++i, arg), 1);
                        break;
                    case "--seed":
                        options.seed = count(arg, CommandLine.value(args, ++i, arg), Long.MIN_VALUE);
                        break;
                    case "--segment-bytes":
                    {
                        final String value = CommandLine.value(args, ++i, arg);
                        final long bytes = size(arg, value);
                        if (bytes > Integer.MAX_VALUE)
                        {
                            throw new IllegalArgumentException("--segment-bytes must be at most 64MiB but was '" +
                                value + "'");
                        }
                        options.segmentBytes = (int)bytes;
                        break;
                    }
                    case "--load-factor":
                    {
                        final String value = CommandLine.value(args, ++i, arg);
                        try
                        {
                            options.loadFactor = Double.parseDouble(value);
                        }
                        catch (final NumberFormatException ex)
                        {
                            throw new IllegalArgumentException("--load-factor must be a number strictly between 0 " +
                                "and 1, e.g. 0.875, but was '" + value + "'");
                        }
                        break;
                    }
                    case "--out":
                        options.out = CommandLine.outputFile(arg, CommandLine.value(args, ++i, arg));
                        break;
                    case "--concurrency":
                    {
                        final String value = CommandLine.value(args, ++i, arg);
                        if (!value.equals("thread-safe") && !value.equals("single-threaded"))
                        {
                            throw new IllegalArgumentException("--concurrency must be thread-safe or " +
                                "single-threaded but was '" + value + "'");
                        }
                        options.concurrency = value.equals("thread-safe") ? Concurrency.THREAD_SAFE :
                            Concurrency.SINGLE_THREADED;
                        break;
                    }
                    case "--jfr":
                    {
                        final String value = CommandLine.value(args, ++i, arg);
                        if (!value.equals("on") && !value.equals("off"))
                        {
                            throw new IllegalArgumentException("--jfr must be on or off but was '" + value + "'");
                        }
                        options.jfr = value.equals("on");
                        break;
                    }
                    default:
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            // The run stops once the map's native memory is within the headroom of --max-native: a limit that
            // leaves less than one segment above the headroom would stop it at or near the first put, and report a
            // run of 0 entries.
            final long floor = options.headroomBytes() + options.segmentBytes;
            if (options.maxNativeBytes <= floor)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--max-native %s leaves no room to " +
                    "grow: the run stops %d segments' bytes (%s at --segment-bytes %s) below it; pass more than %s " +
                    "(the headroom and one segment), such as 20GiB", GrowthPauseHarness.bytes(options.maxNativeBytes),
                    HEADROOM_SEGMENTS, GrowthPauseHarness.bytes(options.headroomBytes()),
                    GrowthPauseHarness.bytes(options.segmentBytes), GrowthPauseHarness.bytes(floor)));
            }
            // The builder checks both settings (names the value and the accepted range) without allocating.
            try
            {
                PresizedDocRefMap.builder().segmentBytes(options.segmentBytes);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("--segment-bytes: " + ex.getMessage(), ex);
            }
            try
            {
                PresizedDocRefMap.builder().loadFactor(options.loadFactor);
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("--load-factor: " + ex.getMessage(), ex);
            }
            // Each may be valid alone and not together (a load factor that leaves a small segment under 8 entries):
            // only build() checks that, so build an empty map, one small segment, and close it at once.
            try (PresizedDocRefMap probe = PresizedDocRefMap.builder().segmentBytes(options.segmentBytes)
                .loadFactor(options.loadFactor).expectedEntries(0).build())
            {
                probe.size();
            }
            catch (final IllegalArgumentException ex)
            {
                throw new IllegalArgumentException("--segment-bytes " + options.segmentBytes + " with --load-factor " +
                    options.loadFactor + ": " + ex.getMessage(), ex);
            }
            options.checkExpectedFitsNativeLimit();
            return options;
        }

        /**
         * Refuse an {@code --expected} whose pre-sized map is more than the native memory the run may use: the map
         * would allocate it all up front, past {@code --max-native}, and the run would stop before its first put
         * (10,000,000 at the defaults pre-sizes 181.59 MiB; with {@code --max-native 64MiB} that reported 0 entries).
         */
        private void checkExpectedFitsNativeLimit()
        {
            if (expected == 0)
            {
                return;
            }
            final long addressable = SegmentSizing.maxExpectedEntries(segmentBytes, loadFactor);
            if (expected > addressable)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--expected %,d is more than the " +
                    "%,d entries a map %s can be pre-sized for; pass --expected %,d or less, or larger " +
                    "--segment-bytes", expected, addressable, settings(), addressable));
            }
            final long room = maxNativeBytes - headroomBytes();
            final long bytes = SegmentSizing.presizedBytes(expected, segmentBytes, loadFactor);
            if (bytes <= room)
            {
                return;
            }
            // The largest count that fits: the pre-sized bytes grow with the count, so a binary search finds it.
            long low = 0;
            long high = expected;
            while (low < high)
            {
                final long mid = (low + high + 1) >>> 1;
                if (SegmentSizing.presizedBytes(mid, segmentBytes, loadFactor) <= room)
                {
                    low = mid;
                }
                else
                {
                    high = mid - 1;
                }
            }
            throw new IllegalArgumentException(String.format(Locale.ROOT, "--expected %,d pre-sizes %s of native " +
                "memory up front, more than the %s that --max-native %s leaves below its headroom of %s (the run " +
                "would stop before its first put); pass --expected %,d or less, or --max-native %dMiB or more",
                expected, GrowthPauseHarness.bytes(bytes), GrowthPauseHarness.bytes(room),
                GrowthPauseHarness.bytes(maxNativeBytes), GrowthPauseHarness.bytes(headroomBytes()), low,
                (bytes + headroomBytes() + (1L << 20) - 1) >> 20));
        }

        /** Native bytes kept free below {@code --max-native}: {@link #HEADROOM_SEGMENTS} segment blocks. */
        long headroomBytes()
        {
            return (long)HEADROOM_SEGMENTS * segmentBytes;
        }

        /** How the report names the map's settings. */
        String settings()
        {
            if (segmentBytes == PresizedDocRefMap.DEFAULT_SEGMENT_BYTES &&
                loadFactor == PresizedDocRefMap.DEFAULT_LOAD_FACTOR)
            {
                return "at the default settings";
            }
            return String.format(Locale.ROOT, "with segmentBytes %s and loadFactor %s",
                GrowthPauseHarness.bytes(segmentBytes), loadFactor);
        }

        private static long defaultMaxNative()
        {
            final long physical = CommandLine.physicalMemoryBytes();
            return physical > 0 ? physical / 4 * 3 : 16L << 30;
        }

        static long count(final String name, final String value, final long min)
        {
            try
            {
                final long parsed = Long.parseLong(value.replace("_", "").replace(",", ""));
                if (parsed >= min)
                {
                    return parsed;
                }
            }
            catch (final NumberFormatException ex)
            {
                // Reported below with the accepted form.
            }
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + Long.MAX_VALUE +
                " but was '" + value + "'");
        }

        /**
         * A whole number from {@code min} to {@code max}, with {@code _} or {@code ,} allowed between digits.
         *
         * @param fix what to pass instead, said after the limit, such as {@code "e.g. --trials 1000000"}.
         * @throws IllegalArgumentException naming option {@code name}, the value, both limits and {@code fix}.
         */
        static long count(final String name, final String value, final long min, final long max, final String fix)
        {
            try
            {
                final long parsed = Long.parseLong(value.replace("_", "").replace(",", ""));
                if (parsed >= min && parsed <= max)
                {
                    return parsed;
                }
            }
            catch (final NumberFormatException ex)
            {
                // Not a number, or more digits than a long holds: reported below with the limits.
            }
            throw new IllegalArgumentException(name + " must be a whole number from " + min + " to " + max +
                " but was '" + value + "'; " + fix);
        }

        /** A size: plain bytes, or a number with k, m, g, t (binary) or KiB, MiB, GiB, TiB, e.g. 512MiB, 2GiB, 1g. */
        static long size(final String name, final String value)
        {
            final String v = value.trim();
            final java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("([0-9]+)\\s*([kKmMgGtT](?:iB|ib|B|b)?)?").matcher(v);
            if (m.matches())
            {
                final String unit = m.group(2) == null ? "" : m.group(2).substring(0, 1).toLowerCase(Locale.ROOT);
                final int shift = unit.isEmpty() ? 0 : "kmgt".indexOf(unit.charAt(0)) * 10 + 10;
                try
                {
                    final long number = Long.parseLong(m.group(1));
                    if (number > 0 && number <= Long.MAX_VALUE >> shift)
                    {
                        return number << shift;
                    }
                }
                catch (final NumberFormatException ex)
                {
                    // More digits than a long holds: reported below with the limit.
                }
            }
            throw new IllegalArgumentException(name + " must be a positive size such as 512MiB, 2GiB, 1g or plain " +
                "bytes, at most 2^63 - 1 bytes (8 EiB), but was '" + value + "'");
        }
    }
}
