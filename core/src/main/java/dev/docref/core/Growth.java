package dev.docref.core;

/**
 * How a {@link PresizedDocRefMap} grows past the entries it was sized for: the trade between the time of a growing
 * put and the memory a grown map holds. Neither changes a pre-sized map, its lookups, or the bound on a single put's
 * work; both keep every allocation small.
 * <p>
 * Measured on a 2-core machine, growing from empty (JMH medians of one run for the puts;
 * {@code bench/results/2026-11-29-compact-growth.md}):
 * <pre>
 *                     bytes per entry at 10M / 58.7M / 100M   put while growing, 1M / 10M   largest allocation
 *   FAST (default)    26.9 / 32.5 / 21.5                      112 / 213 ns                  128 KiB
 *   COMPACT           24.1-24.4 / 24.8 / 22.9                 168 / 323 ns                  1 MiB
 * </pre>
 */
public enum Growth
{
    /**
     * The default. A full segment splits into two of the same size. Each entry is copied about once per doubling of
     * the map, but all segments fill, and then split, at about the same time, so a grown map holds between 19 and
     * 37 bytes per entry depending on where it is in that wave.
     */
    FAST,

    /**
     * Segments come in four size classes, 5/8 to 8/8 of {@link PresizedDocRefMap.Builder#segmentBytes(int)
     * segmentBytes}: a full segment grows into the next class, and a full segment of full size splits into two of
     * the smallest class that holds each half. A grown map then holds 23 to 25 bytes per entry at every size, for
     * growing puts about 1.5 times slower (each entry is copied 5 to 6 times per doubling instead of about 1.5, and
     * the fuller segments probe further), and split pauses with a longer tail. Class segments are carved from chunks
     * of 8 segments (1 MiB at the default segment size) that the map reuses and frees only on {@code close()}.
     * Needs {@code segmentBytes} of at most 1 MiB.
     */
    COMPACT
}
