package dev.docref.core;

/**
 * A segment's sizing, home-slot function and spill bound as core computes them, for the bench module's
 * {@code SpillSimulation}: each method calls core's own package-private code, so the simulation cannot drift from
 * the map. It lives in package {@code dev.docref.core} in the bench jar only, as the stress jar's
 * {@code PresizedDocRefMapStress} does, rather than widening core's API for a measurement tool.
 * <p>
 * At the defaults (128 KiB segments, load factor 7/8) a full segment has 8,120 home slots and a 64-slot tail, and
 * holds 7,105 entries, or 7,612 (15/16) when pre-sized for the fullest of many segments.
 * <p>
 * <b>Thread-safety:</b> stateless; every method is a pure function. <b>Memory:</b> allocates no native memory.
 */
public final class SegmentSizing
{
    private SegmentSizing()
    {
    }

    /** {@code Segment.home}: the home slot of mixed key {@code h} in a segment of {@code capacity} home slots. */
    public static int home(final long h, final int capacity)
    {
        return Segment.home(h, capacity);
    }

    /** {@code Segment.tailFor}: the overflow slots after {@code capacity} home slots, an eighth of it, 8 to 64. */
    public static int tail(final int capacity)
    {
        return Segment.tailFor(capacity);
    }

    /** {@code Segment.MAX_TAIL}: the longest tail, that of a segment of 512 home slots or more. */
    public static int maxTail()
    {
        return Segment.MAX_TAIL;
    }

    /** The home slots of a segment of at most {@code segmentBytes}: 8,120 at the default 128 KiB. */
    public static int capacityFor(final int segmentBytes)
    {
        return PresizedDocRefMap.maxCapacityFor(segmentBytes);
    }

    /** A segment's fill limit at {@code loadFactor}: 7,105 entries for 8,120 home slots at 7/8. */
    public static int fillLimit(final int capacity, final double loadFactor)
    {
        return PresizedDocRefMap.maxEntriesFor(capacity, loadFactor);
    }

    /**
     * The highest fill limit a pre-sized segment of {@code capacity} home slots gets at {@code loadFactor}, the one
     * that takes the fullest segment's share of the keys: 15/16 at 7/8, 7,612 entries for 8,120 home slots.
     */
    public static int presizedFillLimit(final int capacity, final double loadFactor)
    {
        return PresizedDocRefMap.presizedMaxEntries(capacity, Long.MAX_VALUE, loadFactor);
    }

    /**
     * The native bytes {@code withCapacity} allocates for {@code expectedEntries} with these settings, as the
     * constructor sizes them: {@code 2^depth} segments of equal blocks. 181.59 MiB for 10,000,000 entries at the
     * defaults (2,048 segments of 90.8 KiB). {@code expectedEntries} must be at most {@link #maxExpectedEntries}.
     */
    public static long presizedBytes(final long expectedEntries, final int segmentBytes, final double loadFactor)
    {
        final int maxSlots = PresizedDocRefMap.maxCapacityFor(segmentBytes);
        final int segments = 1 << PresizedDocRefMap.depthFor(expectedEntries, maxSlots, loadFactor);
        final long slots = Math.min(PresizedDocRefMap.slotsFor(expectedEntries, segments, loadFactor), maxSlots);
        return Segment.bytesFor((int)slots) * segments;
    }

    /** The most {@code expectedEntries} a map with these settings can be pre-sized for. */
    public static long maxExpectedEntries(final int segmentBytes, final double loadFactor)
    {
        return PresizedDocRefMap.maxExpectedEntries(PresizedDocRefMap.maxCapacityFor(segmentBytes), loadFactor);
    }

    /** {@code PresizedDocRefMap.spillChance}: an upper bound on the chance that {@code entries} keys spill. */
    public static double spillChance(final int capacity, final long entries)
    {
        return PresizedDocRefMap.spillChance(capacity, entries);
    }
}
