package dev.docref.core;

/**
 * The extendible-hashing directory: {@code 2^depth} references to segments, indexed by the top {@code depth} bits
 * of the mixed key.
 * <p>
 * A segment with local depth {@code l} appears at {@code 2^(depth - l)} consecutive indices. A split of a segment
 * whose local depth is below {@code depth} rewrites those entries in place; a split of one at full depth first
 * replaces the whole directory with one twice as long ({@link #doubled()}), a copy of {@code 2^depth} references
 * (128 KiB for the 2^15 entries a billion-entry map needs with the default segment size).
 * <p>
 * <b>Thread-safety:</b> not thread-safe; the map serialises access. <b>Ownership:</b> on-heap only.
 */
final class Directory
{
    /** 2^30 entries is the largest power-of-two Java array; it addresses over 10^13 entries at the default size. */
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

    Segment segmentFor(final long h)
    {
        return segments[(int)((h >>> 1) >>> shift)];
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
