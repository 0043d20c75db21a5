package dev.docref.examples;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.math.BigInteger;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.sun.management.HotSpotDiagnosticMXBean;

import dev.docref.guard.PropertyValues;

/**
 * How much heap {@link IncidentReplay} needs for a scale, so that a run that cannot fit says so before it starts
 * rather than failing with {@code OutOfMemoryError} minutes in, and says which {@code -Xmx} to run it with.
 * <p>
 * The estimate is the key array ({@code 8 n} bytes) plus the hungriest map chosen at its peak, the moment its last
 * doubling has the old and new tables live, plus a quarter of that map for the collector, plus 64 MiB for the rest
 * (JFR, histograms, timelines): {@code java.util.HashMap<Long, Long>} holds 80 bytes per entry in nodes and boxes
 * (the demo measures 91.5 with the table) and 4 bytes per slot of table; fastutil 16 bytes per slot; docref next to
 * nothing on the heap. At the default 6,291,457 keys that is about 0.8 GiB; at 58,720,257 about 6.9 GiB. The demo
 * ran to completion with {@code -Xmx} at the estimate (1,572,865 and 3,000,000 keys into HashMap, 257 MiB and
 * 404 MiB), so on G1 the advice is the estimate rounded up to a whole GiB: {@code -Xmx7g} at 58,720,257. The docs
 * run that scale with {@code java -Xmx12g}, which leaves G1 more room to work.
 * <p>
 * The check compares the estimate with {@code Runtime.maxMemory()}, which is the {@code -Xmx} only on G1: Serial and
 * Parallel leave a survivor space out of it (with {@code -Xmx7g} on JDK 17, 7,265,714,176 and 6,681,526,272 bytes of
 * 7,516,192,768, 96.7% and 88.9%). So the advice divides the estimate by this JVM's share before rounding up:
 * {@code -Xmx8g} at 58,720,257 on either, where {@code -Xmx7g} would fail the check again. Off G1 it also says that
 * the demo is sized for G1 (on Serial and Parallel a large array must also fit the old generation) and to add
 * {@code -XX:+UseG1GC}. A JVM with one CPU, or in a container given one, picks Serial unless told otherwise.
 * <p>
 * <b>Thread-safety:</b> stateless.
 */
final class HeapBudget
{
    /** A 32-byte {@code Node} and two 24-byte {@code Long}s (12-byte header, 8-byte value, padded). */
    private static final long HASHMAP_BYTES_PER_ENTRY = 80;
    private static final long SLACK_BYTES = 64L << 20;
    private static final long GIB = 1L << 30;
    /** How the README and {@code demo.md} run the demo, after {@code java} and its options. */
    static final String JAR = "-jar examples/target/incident-replay.jar";
    /** Arguments a shell passes through unchanged; anything else is quoted when the advice repeats it. */
    private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./=,:@%+-]+");

    private HeapBudget()
    {
    }

    /**
     * A JVM's heap as the check and its advice see it.
     *
     * @param maxMemory   its {@code Runtime.maxMemory()}, what the check compares the estimate with.
     * @param maxHeapSize its {@code -Xmx} (HotSpot's {@code MaxHeapSize}), or {@code maxMemory} where it does not say.
     * @param g1          whether it collects with G1, which the demo is sized for.
     */
    record Heap(long maxMemory, long maxHeapSize, boolean g1)
    {
        /** @return a G1 heap of {@code xmx} bytes, whose maximum is all of its {@code -Xmx}. */
        static Heap g1(final long xmx)
        {
            return new Heap(xmx, xmx, true);
        }

        /** @return this JVM's heap. */
        static Heap ofThisJvm()
        {
            final long maxMemory = Runtime.getRuntime().maxMemory();
            return new Heap(maxMemory, maxHeapSize(maxMemory), usesG1());
        }

        private static long maxHeapSize(final long maxMemory)
        {
            try
            {
                final HotSpotDiagnosticMXBean hotSpot = ManagementFactory.getPlatformMXBean(
                    HotSpotDiagnosticMXBean.class);
                return hotSpot == null ? maxMemory : Long.parseLong(hotSpot.getVMOption("MaxHeapSize").getValue());
            }
            catch (final RuntimeException | LinkageError ex)
            {
                return maxMemory;
            }
        }

        private static boolean usesG1()
        {
            try
            {
                for (final GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans())
                {
                    // "G1 Young Generation", "G1 Old Generation"; Serial's are "Copy" and "MarkSweepCompact".
                    if (collector.getName().startsWith("G1 "))
                    {
                        return true;
                    }
                }
                return false;
            }
            catch (final RuntimeException | LinkageError ex)
            {
                return false;
            }
        }
    }

    /**
     * @param needed the estimate, in bytes.
     * @return the {@code -Xmx} in GiB whose {@code Runtime.maxMemory()} on {@code heap}'s collector holds
     * {@code needed}: the estimate divided by the share of {@code -Xmx} that collector gives its maximum, rounded up
     * to a whole GiB. With {@code -Xmx7g} Serial's maximum is 7,265,714,176 bytes, so an estimate of 7,415,529,580
     * gets 8, where G1 gets 7.
     */
    static long advisedXmxGiB(final long needed, final Heap heap)
    {
        final BigInteger xmx = BigInteger.valueOf(Math.max(heap.maxHeapSize(), heap.maxMemory()));
        final BigInteger numerator = BigInteger.valueOf(needed).multiply(xmx);
        final BigInteger denominator = BigInteger.valueOf(heap.maxMemory()).multiply(BigInteger.valueOf(GIB));
        return numerator.add(denominator).subtract(BigInteger.ONE).divide(denominator).longValueExact();
    }

    /** @return the estimated heap the options need, in bytes. */
    static long needed(final ReplayOptions options)
    {
        return needed(options.entries, options.maps);
    }

    private static long needed(final long entries, final List<FeedIndex.Kind> maps)
    {
        final long map = peakMapBytes(entries, hungriest(entries, maps));
        return 8 * entries + map + map / 4 + SLACK_BYTES;
    }

    /** @return the map of {@code maps} with the largest peak heap at this scale, {@code null} if none is on it. */
    private static FeedIndex.Kind hungriest(final long entries, final List<FeedIndex.Kind> maps)
    {
        FeedIndex.Kind hungriest = null;
        for (final FeedIndex.Kind kind : maps)
        {
            if (peakMapBytes(entries, kind) > peakMapBytes(entries, hungriest))
            {
                hungriest = kind;
            }
        }
        return hungriest;
    }

    /** @return the heap {@code kind} holds at its peak, the last doubling, with its old and new tables live. */
    private static long peakMapBytes(final long entries, final FeedIndex.Kind kind)
    {
        final long slots = doublingSlots(entries);
        if (kind == FeedIndex.Kind.HASHMAP)
        {
            return entries * HASHMAP_BYTES_PER_ENTRY + (slots + slots / 2) * 4;
        }
        if (kind == FeedIndex.Kind.FASTUTIL)
        {
            return (slots + slots / 2) * 16;
        }
        return 0;
    }

    /**
     * @param heap        this JVM's heap: see {@link Heap#ofThisJvm()}.
     * @param totalMemory this machine's memory in bytes, or 0 if unknown.
     * @return why the heap is too small, with the {@code -Xmx} to use and why, the command to run, the other ways
     * out and, off G1, {@code -XX:+UseG1GC}; or {@code null} if it is enough.
     */
    static String problem(final ReplayOptions options, final Heap heap, final long totalMemory)
    {
        final long maxHeap = heap.maxMemory();
        final long needed = needed(options);
        if (needed <= maxHeap)
        {
            return null;
        }
        final FeedIndex.Kind hungriest = hungriest(options.entries, options.maps);
        final long map = peakMapBytes(options.entries, hungriest);
        final long xmxGiB = advisedXmxGiB(needed, heap);
        final StringBuilder text = new StringBuilder(640);
        text.append(String.format(Locale.ROOT, "--entries %,d with --maps %s needs about %s of heap, and this JVM's " +
            "maximum is %s. The estimate: the keys, %s (8 bytes each)", options.entries, mapIds(options.maps),
            PropertyValues.formatBytes(needed), PropertyValues.formatBytes(maxHeap),
            PropertyValues.formatBytes(8 * options.entries)));
        if (hungriest != null)
        {
            text.append(String.format(Locale.ROOT, "; %s at its last doubling, %s (%s, and its old and new tables); " +
                "a quarter of that for the collector, %s", hungriest.title, PropertyValues.formatBytes(map),
                hungriest == FeedIndex.Kind.HASHMAP ? "80 bytes per entry in nodes and Long boxes" :
                    "16 bytes per slot in two long[] arrays", PropertyValues.formatBytes(map / 4)));
        }
        text.append(String.format(Locale.ROOT, "; %s for the rest (JFR, histograms). Run it with -Xmx%dg, the " +
            "estimate %srounded up to a whole GiB: java -Xmx%dg %s%s", PropertyValues.formatBytes(SLACK_BYTES), xmxGiB,
            heap.maxHeapSize() > maxHeap ? String.format(Locale.ROOT, "divided by %.1f%% (this JVM's maximum is " +
                "that share of its -Xmx) and ", 100.0 * maxHeap / heap.maxHeapSize()) : "",
            xmxGiB, JAR, commandArguments(options.args)));
        if (totalMemory > 0 && xmxGiB * GIB > totalMemory)
        {
            text.append(String.format(Locale.ROOT, " (more than this machine's %s of memory: choose one of the " +
                "following instead)", PropertyValues.formatBytes(totalMemory)));
        }
        final long fits = mostEntriesThatFit(options.maps, maxHeap, options.entries);
        text.append(fits >= ReplayOptions.MIN_ENTRIES ? String.format(Locale.ROOT, ". Or, in this heap, at most " +
            "--entries %d with these maps", fits) : ". Even the fewest --entries, " + ReplayOptions.MIN_ENTRIES +
            ", do not fit this heap with these maps");
        if (hungriest != null)
        {
            final long docrefAlone = needed(options.entries, List.of(FeedIndex.Kind.DOCREF));
            text.append(docrefAlone <= maxHeap ? String.format(Locale.ROOT, "; or docref alone, --maps docref, " +
                "which needs about %s", PropertyValues.formatBytes(docrefAlone)) : "");
        }
        text.append('.');
        if (!heap.g1())
        {
            text.append(" This JVM does not use G1, which the demo is sized for (on Serial and Parallel a large " +
                "array must also fit the old generation): add -XX:+UseG1GC.");
        }
        return text.toString();
    }

    /** @return the largest entries from {@code 0} to {@code below - 1} whose estimate fits {@code maxHeap}. */
    private static long mostEntriesThatFit(final List<FeedIndex.Kind> maps, final long maxHeap, final long below)
    {
        long fits = 0;
        long tooMany = below;
        while (tooMany - fits > 1)
        {
            final long middle = fits + (tooMany - fits) / 2;
            if (needed(middle, maps) <= maxHeap)
            {
                fits = middle;
            }
            else
            {
                tooMany = middle;
            }
        }
        return fits;
    }

    private static String mapIds(final List<FeedIndex.Kind> maps)
    {
        return maps.stream().map(kind -> kind.id).collect(Collectors.joining(","));
    }

    /** @return the arguments as a shell would need them typed, each after a space. */
    static String commandArguments(final List<String> args)
    {
        final StringBuilder text = new StringBuilder();
        for (final String arg : args)
        {
            text.append(' ').append(SHELL_SAFE.matcher(arg).matches() ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return text.toString();
    }

    /** @return this machine's memory in bytes, or 0 if the JVM does not say. */
    static long totalMemory()
    {
        try
        {
            final java.lang.management.OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean ?
                ((com.sun.management.OperatingSystemMXBean)os).getTotalMemorySize() : 0;
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return 0;
        }
    }

    /** Slots of a 0.75 load-factor doubling table grown to {@code n} entries (HashMap's and fastutil's). */
    static long doublingSlots(final long n)
    {
        long slots = 16;
        while (slots * 3 / 4 < n)
        {
            slots <<= 1;
        }
        return slots;
    }
}
