package dev.docref.examples;

import java.util.Locale;

import dev.docref.guard.PropertyValues;

/**
 * How much heap {@link IncidentReplay} needs for a scale, so that a run that cannot fit says so before it starts
 * rather than failing with {@code OutOfMemoryError} minutes in.
 * <p>
 * The estimate is the key array ({@code 8 n} bytes) plus the hungriest map chosen at its peak, the moment its last
 * doubling has the old and new tables live, plus a quarter for the collector, plus 64 MiB:
 * {@code java.util.HashMap<Long, Long>} holds 80 bytes per entry in nodes and boxes (the demo measures 91.5 with
 * the table) and 4 bytes per slot of table; fastutil 16 bytes per slot; docref next to nothing on the heap. At the
 * default 6,291,457 keys that is about 0.8 GiB; at 58,720,257 about 6.9 GiB, hence {@code java -Xmx12g} in the
 * docs, which leaves G1 room to work.
 * <p>
 * <b>Thread-safety:</b> stateless.
 */
final class HeapBudget
{
    /** A 32-byte {@code Node} and two 24-byte {@code Long}s (12-byte header, 8-byte value, padded). */
    private static final long HASHMAP_BYTES_PER_ENTRY = 80;
    private static final long SLACK_BYTES = 64L << 20;

    private HeapBudget()
    {
    }

    /** @return the estimated heap the options need, in bytes. */
    static long needed(final ReplayOptions options)
    {
        final long n = options.entries;
        long map = 0;
        for (final FeedIndex.Kind kind : options.maps)
        {
            final long slots = doublingSlots(n);
            switch (kind)
            {
                case HASHMAP:
                    map = Math.max(map, n * HASHMAP_BYTES_PER_ENTRY + (slots + slots / 2) * 4);
                    break;
                case FASTUTIL:
                    map = Math.max(map, (slots + slots / 2) * 16);
                    break;
                default:
                    break;
            }
        }
        return 8 * n + map + map / 4 + SLACK_BYTES;
    }

    /**
     * @param maxHeap this JVM's {@code Runtime.maxMemory()}.
     * @return why the heap is too small, with the fix, or {@code null} if it is enough.
     */
    static String problem(final ReplayOptions options, final long maxHeap)
    {
        final long needed = needed(options);
        if (needed <= maxHeap)
        {
            return null;
        }
        final long suggestedGiB = Math.max(1, (needed * 2 + (1L << 30) - 1) >> 30);
        return String.format(Locale.ROOT, "--entries %,d with %s needs about %s of heap, and this JVM's maximum is " +
            "%s. Run java -Xmx%dg -jar examples/target/incident-replay.jar ..., or fewer --entries, or leave the " +
            "heap maps out (--maps docref).", options.entries, options.maps.stream().map(kind -> kind.id)
            .reduce((a, b) -> a + "," + b).orElse(""), PropertyValues.formatBytes(needed),
            PropertyValues.formatBytes(maxHeap), suggestedGiB);
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
