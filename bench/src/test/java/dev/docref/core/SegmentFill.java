package dev.docref.core;

/**
 * A real {@link Segment} filled with given mixed keys, for {@code SpillSimulationTest} in the bench module to check
 * its model against: in package {@code dev.docref.core} (in bench's tests only) because the segment is
 * package-private, as the stress jar's {@code PresizedDocRefMapStress} is. Thread-safety: stateless; each fill
 * allocates its own block and frees it before returning.
 */
public final class SegmentFill
{
    private SegmentFill()
    {
    }

    /**
     * What a segment held after a fill.
     *
     * @param lastOccupied the highest slot holding an entry, or -1 for none.
     * @param count        entries the segment holds.
     * @param refused      inserts it refused because they would have spilled past its tail.
     * @param limit        its first slot past the tail: home slots plus tail.
     */
    public record Filled(int lastOccupied, int count, int refused, int limit)
    {
    }

    /**
     * Insert {@code mixedKeys}, in order, into an empty segment of {@code capacity} home slots and its real tail, by
     * the segment's own {@code put}, with no fill limit (the map's would split first; this measures the tail alone).
     *
     * @throws IllegalArgumentException if a key repeats: it would be an update, not a new entry.
     */
    public static Filled fill(final long[] mixedKeys, final int capacity)
    {
        final long bytes = Segment.bytesFor(capacity);
        final long address = OffHeap.allocate(bytes);
        try
        {
            OffHeap.zero(address, bytes);
            final Segment segment = new Segment(address, capacity, capacity, 0);
            int refused = 0;
            for (final long h : mixedKeys)
            {
                final int before = segment.count;
                if (segment.put(h, 1, false) != 0)
                {
                    throw new IllegalArgumentException("mixed key " + h + " repeats");
                }
                refused += segment.count == before ? 1 : 0;
            }
            int last = segment.limit - 1;
            while (last >= 0 && segment.storedAt(last) == 0)
            {
                last--;
            }
            return new Filled(last, segment.count, refused, segment.limit);
        }
        finally
        {
            OffHeap.free(address);
        }
    }
}
