package dev.docref.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The extendible-hashing directory: {@code 2^depth} references to segments, indexed by the top {@code depth} bits
 * of the mixed key.
 * <p>
 * A segment with local depth {@code l} appears at {@code 2^(depth - l)} consecutive indices. A split of a segment
 * whose local depth is below {@code depth} rewrites those entries in place; a split of one at full depth first
 * replaces the whole directory with one twice as long ({@link #doubled()}), a copy of {@code 2^depth} references
 * (1 MiB for the 2^18 entries a billion-entry map needs at the default segment size, about 0.1 ms to copy).
 * <p>
 * <b>Thread-safety:</b> entries are read with acquire and written with release, so readers may run alongside a
 * writer; writers serialise on the map's directory lock. A doubled directory is a new object, published whole.
 * <b>Ownership:</b> on-heap only.
 */
final class Directory
{
    private static final VarHandle SEGMENTS = MethodHandles.arrayElementVarHandle(Segment[].class);

    /** Bytes of one reference in the directory's array: 4 with compressed references (heaps under 32 GiB), else 8. */
    static final int REFERENCE_BYTES = OffHeap.referenceBytes();

    /**
     * 2^30 entries is the largest power-of-two Java array; it addresses 7,535,092,874,165 map entries at the default
     * segment size and load factor (design.md's worked numbers).
     */
    static final int MAX_DEPTH = 30;

    final Segment[] segments;
    final int depth;
    /** {@code (h >>> 1) >>> shift} is the top {@code depth} bits of {@code h}, and 0 when depth is 0. */
    final int shift;

    Directory(final Segment[] segments, final int depth)
    {
        this.segments = segments;
        this.depth = depth;
        this.shift = 63 - depth;
    }

    /** The segment for mixed key {@code h}, read with acquire so its block's contents are visible. */
    Segment segmentFor(final long h)
    {
        return (Segment)SEGMENTS.getAcquire(segments, (int)((h >>> 1) >>> shift));
    }

    Segment segmentAt(final int index)
    {
        return (Segment)SEGMENTS.getAcquire(segments, index);
    }

    /** Point {@code index} at {@code segment}, releasing every write that built the segment. */
    void set(final int index, final Segment segment)
    {
        SEGMENTS.setRelease(segments, index, segment);
    }

    int indexFor(final long h)
    {
        return (int)((h >>> 1) >>> shift);
    }

    /** Whether {@code index} is the first of the indices that share the segment stored there. */
    boolean isFirstIndexOf(final int index, final Segment segment)
    {
        return (index & ((1 << (depth - segment.localDepth)) - 1)) == 0;
    }

    Directory doubled()
    {
        final Segment[] current = segments;
        final Segment[] twice = new Segment[current.length << 1];
        for (int i = 0; i < twice.length; i++)
        {
            twice[i] = current[i >> 1];
        }
        return new Directory(twice, depth + 1);
    }
}
