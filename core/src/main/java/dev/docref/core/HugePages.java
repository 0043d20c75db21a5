package dev.docref.core;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.docref.guard.PropertyValues;

/**
 * Whether {@code withCapacity} allocates its segments in groups large enough for transparent huge pages, decided
 * when a map is built from {@value #PROP_NAME} and the kernel's setting (read once per JVM).
 * <p>
 * Why: each default 128 KiB segment block is its own {@code mmap}, zeroed while that mapping is too small to hold a
 * 2 MiB page, so docref's blocks never get huge pages even where the host gives them to every large allocation
 * (transparent huge pages {@code always}), while an on-heap table there does. Groups of segments allocated as one
 * block of about {@value #GROUP_BYTES} bytes hold whole 2 MiB pages (15 of 16 of it, wherever the allocator places
 * it), which took a get hit at 10M entries to 0.80x-0.87x and a put into a pre-sized map to 0.78x-0.83x on such a
 * host (see {@code bench/results/2026-11-30-huge-page-groups.md}). Only pre-sized segments are grouped; a split
 * still allocates its blocks one by one.
 * <p>
 * The cost is on the single-threaded map, which frees a replaced segment's block at once: a group's memory is
 * returned only when its last segment has been replaced, and returning a group costs a {@code munmap} of up to
 * {@value #GROUP_BYTES} bytes on the put that replaced it (tens to a couple of hundred microseconds measured on huge
 * pages, 1.4 ms on 4 KiB pages). That is why {@code auto} groups only where the kernel uses huge pages for every
 * mapping, or where the process asked glibc for them. (The thread-safe map frees nothing while open.)
 * <p>
 * Values of {@value #PROP_NAME}: {@code auto} (default: group when
 * {@code /sys/kernel/mm/transparent_hugepage/enabled} is {@code always}, or when it is {@code madvise} and the
 * process runs with {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1}, which makes glibc 2.35+ advise huge pages for
 * every block it maps: a 10M-entry map then had 170 of its 190 MiB on huge pages grouped and 2 MiB ungrouped),
 * {@code on} (always group), {@code off}. With {@code glibc.malloc.hugetlb=2} (pages from the reserved hugetlbfs
 * pool) glibc gives even ungrouped blocks huge pages, so {@code auto} does not group for it.
 * <p>
 * <b>Thread-safety:</b> immutable after class initialisation.
 */
final class HugePages
{
    /** System property: {@code auto}, {@code on} or {@code off}. */
    static final String PROP_NAME = "docref.huge.pages";
    /** What an unparseable value is told after the accepted values. */
    private static final String AUTO_MEANS = "auto, the default, groups pre-sized segments for huge pages when " +
        "transparent huge pages are 'always', or 'madvise' with GLIBC_TUNABLES=glibc.malloc.hugetlb=1";
    /** Bytes of one group of pre-sized segments: 32 MiB, 16 aligned 2 MiB pages of which at least 15 fit whole. */
    static final long GROUP_BYTES = 32L << 20;
    private static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    /** The kernel's transparent-huge-page mode, read once. */
    private static final String THP_MODE = thpMode();
    /** The process's {@code glibc.malloc.hugetlb} tunable, read once; "" when not set. */
    private static final String GLIBC_HUGETLB = glibcHugetlb(glibcTunables());

    /** The values of {@value #PROP_NAME}. */
    enum Setting
    {
        AUTO, ON, OFF
    }

    private HugePages()
    {
    }

    /**
     * {@link #GROUP_BYTES} when a map built now groups its pre-sized segments, else 0.
     *
     * @throws IllegalArgumentException if {@value #PROP_NAME} is set to something else than auto, on or off.
     */
    static long defaultGroupBytes()
    {
        return groupBytes(System.getProperty(PROP_NAME, "auto"), THP_MODE, GLIBC_HUGETLB);
    }

    /**
     * The group size for a value of {@value #PROP_NAME}, the kernel's transparent-huge-page mode and the process's
     * {@code glibc.malloc.hugetlb} tunable.
     *
     * @throws IllegalArgumentException naming the property, the value and the accepted ones.
     */
    static long groupBytes(final String property, final String thpMode, final String glibcHugetlb)
    {
        final Setting setting;
        try
        {
            setting = PropertyValues.parseEnum(PROP_NAME, property, Setting.class);
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(ex.getMessage() + "; " + AUTO_MEANS + ".", ex);
        }
        switch (setting)
        {
            case ON:
                return GROUP_BYTES;
            case OFF:
                return 0;
            default:
                final boolean hugePages = "always".equals(thpMode) ||
                    ("madvise".equals(thpMode) && "1".equals(glibcHugetlb));
                return hugePages ? GROUP_BYTES : 0;
        }
    }

    /** The bracketed mode of the kernel's transparent-huge-page setting, or "" where it cannot be read. */
    static String thpMode()
    {
        try
        {
            return bracketed(Files.readString(THP_ENABLED, StandardCharsets.US_ASCII));
        }
        catch (final IOException | SecurityException ex)
        {
            return "";
        }
    }

    /** The environment variable {@code GLIBC_TUNABLES}, or "" where it is not set or cannot be read. */
    private static String glibcTunables()
    {
        try
        {
            final String tunables = System.getenv("GLIBC_TUNABLES");
            return tunables == null ? "" : tunables;
        }
        catch (final SecurityException ex)
        {
            return "";
        }
    }

    /**
     * The value of {@code glibc.malloc.hugetlb} in a {@code GLIBC_TUNABLES} string ({@code name=value} pairs separated
     * by colons; the last one set wins, as glibc reads them in order), or "" if it is not set.
     */
    static String glibcHugetlb(final String tunables)
    {
        String value = "";
        for (final String tunable : tunables.split(":"))
        {
            final int equals = tunable.indexOf('=');
            if (equals > 0 && "glibc.malloc.hugetlb".equals(tunable.substring(0, equals).trim()))
            {
                value = tunable.substring(equals + 1).trim();
            }
        }
        return value;
    }

    /** "never" from "always madvise [never]"; "" if there is no bracketed word. */
    static String bracketed(final String setting)
    {
        final int open = setting.indexOf('[');
        final int close = setting.indexOf(']', open + 1);
        return open < 0 || close < 0 ? "" : setting.substring(open + 1, close);
    }

    /** Segments per group for blocks of {@code blockBytes}: 1 (no grouping) when {@code groupBytes} is 0. */
    static int segmentsPerGroup(final long groupBytes, final long blockBytes)
    {
        return (int)Math.max(1, Math.min(Integer.MAX_VALUE, groupBytes / blockBytes));
    }
}
