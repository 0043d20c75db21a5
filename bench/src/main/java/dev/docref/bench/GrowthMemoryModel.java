package dev.docref.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import dev.docref.core.PresizedDocRefMap;

/**
 * A model of the native bytes per entry of a thread-safe {@code PresizedDocRefMap} grown from empty by uniformly
 * random keys, under today's design and under the size-class designs not built yet, computed put by put without
 * allocating the map's memory.
 * <p>
 * It simulates every put: a key lands in the segment its top bits select (an {@code int[]} directory of segment ids,
 * doubled as the map doubles its own), a segment holding its fill limit grows or splits first, and a split hands each
 * child a binomial(count, 1/2) share of the entries, drawn exactly from random bits. The sizing formulas are the
 * map's, copied because core keeps them package-private: a block for {@code c} home slots has
 * {@code c + min(64, max(8, c / 8)) + 8} slots of 16 bytes, and holds {@code max(1, min(c - 1, floor(c * loadFactor)))}
 * entries. At the defaults a full segment of 128 KiB has 8,120 home slots and holds 7,105 entries. Strategies:
 * <ul>
 *     <li>{@code today}: the map as built. One segment of 16 home slots doubles, copied into a new block each time,
 *     up to the full size (every smaller block is kept until close, as the thread-safe map keeps retired blocks), then
 *     full segments split into two of the same size. Blocks come from {@code BlockReserve}, modelled step by step:
 *     a split takes two blocks and gives back its parent's; then one inserting put allocates a block and the next 32
 *     touch it a 4 KiB page each, block after block, until 4 are ready. Off-heap bytes = live blocks + the reserve's
 *     + the retired depth-0 blocks, which is what the map's {@code offHeapBytes()} counts.</li>
 *     <li>{@code classes-arena}: segments in size classes of whole pages of an eighth of a segment (16 KiB at the
 *     defaults; classes 5,6,7,8 hold 5,048, 6,072, 7,096 and 8,120 home slots, that is 4,417, 5,313, 6,209 and 7,105
 *     entries). A full segment below the top class grows into the next class at the same depth; a full top-class
 *     segment splits into two children, each in the smallest class whose fill limit exceeds its share. Blocks are
 *     carved from arenas of {@code --chunk-pages} pages (1 MiB at 64 pages) by first fit, oldest chunk first; free runs
 *     coalesce within a chunk, never across chunks, and chunks are never freed while the map is open. New blocks are
 *     taken before the old one is given back (copy-on-write). Off-heap bytes = chunks + the depth-0 blocks.</li>
 *     <li>{@code classes-exact}: the same segments, holding only their live pages plus 4 full segments' worth of
 *     pages once the map splits: what a design that reuses retired memory exactly would hold (blocks all of one page
 *     size, say). Its live pages alone are a lower bound for any arena; with the fixed reserve added it can exceed
 *     the arena while the map has few segments (below about 32 at 64-page chunks) or when a chunk is one segment.</li>
 *     <li>{@code paged}: {@code classes-exact} where each page is its own table with its own tail and guard (a
 *     segment of k pages holds k times a page's home slots: 952 at 16 KiB pages, so 7,616 for 8 pages against
 *     8,120 in one block), so retired pages are reused exactly by any class: the design that needs no arena.</li>
 * </ul>
 * All three start with today's depth-0 phase, so they differ only once the map first splits (at 7,105 entries).
 * The report gives bytes per entry at each of {@code --sizes}, and over the growth from the first put after which the
 * map has 64 segments up to the largest size (every put evaluated, not a sample) the worst, mean and best; plus the
 * entries copied per inserted entry (every grow and split copies all of its segment's entries), the largest single
 * native allocation and the final segment count. Heap is modelled, and reported apart, as 4 bytes per directory slot
 * plus 40 bytes per segment object.
 * <p>
 * What it does not model: probe spill. The real map also splits a segment early when an insert would spill past the
 * segment's tail; the model assumes that never happens. Full-size segments split at their 7/8 fill limit, where none
 * of 10,000,000 random fills in {@link SpillSimulation} spilled past the 64-slot tail
 * ({@code bench/results/2026-12-01-spill-simulation.md}); the one small segment a map starts with has a shorter tail
 * below 512 home slots and spills more often (0.54% of fills of 64 home slots), growing a step early. Nor does it
 * model the allocator's own overhead (malloc headers, page rounding: this is the map's count, not the process's RSS),
 * the arena's bookkeeping, removes, or keys that are not uniformly random. {@code GrowthMemoryModelTest} checks
 * {@code today} against a real map.
 * <p>
 * Run it (about a second per strategy at 100M entries):
 * <pre>
 *   mvn -B -q -pl bench -am package -DskipTests
 *   java -cp bench/target/benchmarks.jar dev.docref.bench.GrowthMemoryModel \
 *       --sizes 10000000,58720257,100000000 --strategies today,classes-arena,classes-exact \
 *       --classes 5,6,7,8 --chunk-pages 64 --out bench/results/growth-memory-model.md
 * </pre>
 * Not thread-safe; one model per thread. It allocates only heap arrays, never native memory.
 */
public final class GrowthMemoryModel
{
    /** The map's slot: a mixed key and a stored docRef, 8 bytes each. */
    static final int SLOT_BYTES = 16;
    /** The map's always-empty guard slots at the end of a block. */
    static final int GUARD_SLOTS = 8;
    /** The map's longest tail of overflow slots. */
    static final int MAX_TAIL_SLOTS = 64;
    /** Home slots of the one segment a map grown from empty starts with. */
    static final int FIRST_CAPACITY = 16;
    /** Pages per full segment in the size-class designs: classes are counted in eighths of a segment. */
    static final int PAGES_PER_SEGMENT = 8;
    /** {@code BlockReserve.READY_BLOCKS}. */
    static final int READY_BLOCKS = 4;
    /** {@code BlockReserve}'s preparation step: one 4 KiB page touched per inserting put. */
    static final long RESERVE_STEP_BYTES = 4096;
    /** The map's deepest directory, {@code Directory.MAX_DEPTH}. */
    static final int MAX_DEPTH = 30;
    /** Modelled heap of one directory slot: a compressed reference. */
    static final long DIRECTORY_SLOT_HEAP_BYTES = 4;
    /** Modelled heap of one {@code Segment} object: header, address, sizes, depth, count, stamp and lock fields. */
    static final long SEGMENT_HEAP_BYTES = 40;
    /** The growth statistics start after the first put at which the map has this many segments. */
    static final int WINDOW_SEGMENTS = 64;
    /** Segments the model holds at most, about 24 bytes of arrays each plus the directory. */
    static final long MAX_SEGMENTS = 1 << 24;
    /** Largest {@code --chunk-pages}. */
    static final int MAX_CHUNK_PAGES = 1 << 20;

    private GrowthMemoryModel()
    {
    }

    public static void main(final String[] args) throws IOException
    {
        final Options options = CommandLine.parseOrExit(args, Options.USAGE, Options::parse);
        final List<Result> results = new ArrayList<>();
        for (final Strategy strategy : options.strategies)
        {
            results.add(run(options, strategy, 0));
        }
        final String report = report(options, results);
        System.out.println(report);
        if (options.out != null)
        {
            CommandLine.write(options.out, report);
        }
    }

    /**
     * Grow a model map of {@code strategy} to the largest of {@code options.sizes}.
     *
     * @param sampleEvery record the state every this many puts into {@link Result#samples} (0: none).
     */
    static Result run(final Options options, final Strategy strategy, final long sampleEvery)
    {
        return new Model(options, strategy).run(sampleEvery);
    }

    /** How the map obtains, keeps and reuses its segments' memory. */
    enum Strategy
    {
        TODAY("today"),
        CLASSES_ARENA("classes-arena"),
        CLASSES_EXACT("classes-exact"),
        PAGED("paged");

        final String title;

        Strategy(final String title)
        {
            this.title = title;
        }

        static Strategy parse(final String name)
        {
            for (final Strategy strategy : values())
            {
                if (strategy.title.equals(name))
                {
                    return strategy;
                }
            }
            throw new IllegalArgumentException("--strategies: unknown strategy '" + name + "'; choose from today, " +
                "classes-arena, classes-exact, paged (comma-separated)");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // The map's sizing formulas (Segment.tailFor, Segment.bytesFor, PresizedDocRefMap.maxCapacityFor and
    // maxEntriesFor), copied.
    // ------------------------------------------------------------------------------------------------------------

    static int tailFor(final int capacity)
    {
        return Math.min(MAX_TAIL_SLOTS, Math.max(GUARD_SLOTS, capacity >>> 3));
    }

    static long bytesFor(final int capacity)
    {
        return (long)(capacity + tailFor(capacity) + GUARD_SLOTS) * SLOT_BYTES;
    }

    /** The most home slots a block of at most {@code bytes} has, or 0 if not even one fits. */
    static int capacityFitting(final long bytes)
    {
        int capacity = (int)Math.min(Integer.MAX_VALUE, bytes / SLOT_BYTES);
        while (capacity > 0 && bytesFor(capacity) > bytes)
        {
            capacity--;
        }
        return capacity;
    }

    /**
     * Home slots of a segment of {@code pages} pages: one table across the pages (tail and guard once), or, for
     * {@code paged}, a table per page (tail and guard in every page).
     */
    static int classCapacityFor(final Strategy strategy, final int pages, final long pageBytes)
    {
        return strategy == Strategy.PAGED ? pages * capacityFitting(pageBytes) : capacityFitting(pages * pageBytes);
    }

    static int maxEntriesFor(final int capacity, final double loadFactor)
    {
        return (int)Math.max(1, Math.min(capacity - 1L, (long)Math.floor(capacity * loadFactor)));
    }

    /**
     * Pages carved from chunks by first fit, oldest chunk first (as the map's {@code PageArena} does): a block goes at
     * the start of the lowest free run that holds it in the first chunk that has one, free runs coalesce with their
     * neighbours within a chunk but never across a chunk boundary (chunks are separate mappings), and a chunk is added
     * only when no free run fits. Chunks are never given back.
     * <p>
     * Free pages are bits of one {@link BitSet}, so coalescing is implicit: adjacent free pages are one run. A max-tree
     * over the chunks' longest free runs finds the first chunk that fits in {@code O(log chunks)}, then a scan of that
     * chunk finds the run. Not thread-safe.
     */
    static final class Arena
    {
        private final int chunkPages;
        /** Page {@code i} is free. */
        private final BitSet free = new BitSet();
        private int chunks;
        /** Leaves of {@link #longestRun}, a power of two. */
        private int leaves = 1;
        /**
         * Max-tree of the chunks' longest free runs: node {@code n} has children {@code 2n} and {@code 2n+1}, and
         * chunk {@code c} is leaf {@code leaves + c}.
         */
        private int[] longestRun = new int[2];
        private long freePages;

        Arena(final int chunkPages)
        {
            if (chunkPages < 1 || chunkPages > MAX_CHUNK_PAGES)
            {
                throw new IllegalArgumentException("chunkPages must be from 1 to " + MAX_CHUNK_PAGES + " but was " +
                    chunkPages);
            }
            this.chunkPages = chunkPages;
        }

        /** @return the first page of a block of {@code pages} pages. */
        int allocate(final int pages)
        {
            if (pages < 1 || pages > chunkPages)
            {
                throw new IllegalArgumentException("a block of " + pages + " pages does not fit a chunk of " +
                    chunkPages + " pages");
            }
            int chunk = firstChunkHolding(pages);
            if (chunk < 0)
            {
                chunk = addChunk();
            }
            final int start = firstRun(chunk, pages);
            free.clear(start, start + pages);
            freePages -= pages;
            update(chunk);
            return start;
        }

        /** Give back the block of {@code pages} pages at {@code start}. */
        void free(final int start, final int pages)
        {
            final int chunk = start / chunkPages;
            final int firstFree = start < 0 ? -1 : free.nextSetBit(start);
            final boolean someFree = firstFree >= 0 && firstFree < start + pages;
            if (pages < 1 || start < 0 || chunk >= chunks || (start + pages - 1) / chunkPages != chunk || someFree)
            {
                throw new IllegalStateException("model error: pages " + start + ".." + (start + pages - 1) +
                    " are not one allocated block");
            }
            free.set(start, start + pages);
            freePages += pages;
            update(chunk);
        }

        int chunks()
        {
            return chunks;
        }

        long freePages()
        {
            return freePages;
        }

        /** The longest run of free pages in {@code chunk}. */
        int longestRun(final int chunk)
        {
            return longestRun[leaves + chunk];
        }

        private int firstChunkHolding(final int pages)
        {
            if (longestRun[1] < pages)
            {
                return -1;
            }
            int node = 1;
            while (node < leaves)
            {
                node = longestRun[2 * node] >= pages ? 2 * node : 2 * node + 1;
            }
            return node - leaves;
        }

        private int addChunk()
        {
            final int chunk = chunks++;
            if (chunks > leaves)
            {
                final int[] old = longestRun;
                final int oldLeaves = leaves;
                leaves *= 2;
                longestRun = new int[2 * leaves];
                System.arraycopy(old, oldLeaves, longestRun, leaves, oldLeaves);
                for (int node = leaves - 1; node >= 1; node--)
                {
                    longestRun[node] = Math.max(longestRun[2 * node], longestRun[2 * node + 1]);
                }
            }
            free.set(chunk * chunkPages, (chunk + 1) * chunkPages);
            freePages += chunkPages;
            update(chunk);
            return chunk;
        }

        private int firstRun(final int chunk, final int pages)
        {
            final int end = (chunk + 1) * chunkPages;
            int start = free.nextSetBit(chunk * chunkPages);
            while (start >= 0 && start < end)
            {
                final int runEnd = Math.min(free.nextClearBit(start), end);
                if (runEnd - start >= pages)
                {
                    return start;
                }
                start = free.nextSetBit(runEnd);
            }
            throw new IllegalStateException("model error: chunk " + chunk + " has no run of " + pages + " pages");
        }

        private void update(final int chunk)
        {
            final int end = (chunk + 1) * chunkPages;
            int longest = 0;
            int start = free.nextSetBit(chunk * chunkPages);
            while (start >= 0 && start < end)
            {
                final int runEnd = Math.min(free.nextClearBit(start), end);
                longest = Math.max(longest, runEnd - start);
                start = free.nextSetBit(runEnd);
            }
            int node = leaves + chunk;
            longestRun[node] = longest;
            for (node >>= 1; node >= 1; node >>= 1)
            {
                longestRun[node] = Math.max(longestRun[2 * node], longestRun[2 * node + 1]);
            }
        }
    }

    /** The state after one put. */
    static final class Point
    {
        final long entries;
        final long offHeapBytes;
        final long heapBytes;
        final int segments;
        final long copies;

        Point(final long entries, final long offHeapBytes, final long heapBytes, final int segments, final long copies)
        {
            this.entries = entries;
            this.offHeapBytes = offHeapBytes;
            this.heapBytes = heapBytes;
            this.segments = segments;
            this.copies = copies;
        }

        double offHeapPerEntry()
        {
            return offHeapBytes / (double)entries;
        }

        double totalPerEntry()
        {
            return (offHeapBytes + heapBytes) / (double)entries;
        }

        double copiesPerEntry()
        {
            return copies / (double)entries;
        }
    }

    /** What one strategy's growth came to. */
    static final class Result
    {
        final Strategy strategy;
        /** One point at each of the sizes asked for. */
        final List<Point> checkpoints = new ArrayList<>();
        /** Every {@code sampleEvery}-th put's point, if asked for. */
        final List<Point> samples = new ArrayList<>();
        /** The put after which the map first had {@link GrowthMemoryModel#WINDOW_SEGMENTS} segments; 0 if never. */
        long windowStart;
        double worstOffHeap;
        double bestOffHeap = Double.MAX_VALUE;
        double sumOffHeap;
        double worstTotal;
        double bestTotal = Double.MAX_VALUE;
        double sumTotal;
        long windowPuts;
        long largestAllocation;

        Result(final Strategy strategy)
        {
            this.strategy = strategy;
        }

        Point last()
        {
            return checkpoints.get(checkpoints.size() - 1);
        }

        double meanOffHeap()
        {
            return sumOffHeap / windowPuts;
        }

        double meanTotal()
        {
            return sumTotal / windowPuts;
        }
    }

    /**
     * One strategy's map, simulated put by put. Segments are numbered; a split keeps the parent's number for its low
     * child and gives the high child the next one. Not thread-safe.
     */
    static final class Model
    {
        /** {@code BlockReserve}'s "allocate next" marker of pending work. */
        private static final long ALLOCATE_NEXT = Long.MAX_VALUE;

        private final Options options;
        private final Strategy strategy;
        private final SplittableRandom keys;
        /** Split shares come from their own stream, so every strategy sees the same keys. */
        private final SplittableRandom splitBits;
        private final int fullCapacity;
        private final long pageBytes;
        private final int[] classPages;
        private final int[] classCapacity;
        private final int[] classMaxEntries;
        private final int topClass;
        private final Arena arena;

        private int[] count = new int[64];
        private int[] capacity = new int[64];
        private int[] maxEntries = new int[64];
        private int[] depth = new int[64];
        /** Class index of a size-class segment; -1 for today's blocks and the depth-0 phase. */
        private int[] sizeClass = new int[64];
        /** First arena page of a size-class segment. */
        private int[] address = new int[64];
        private int segments;
        private int[] directory = new int[1];
        private int globalDepth;
        private long entries;
        private long copies;
        /** What {@code NativeMemory} would count: every block allocated one by one (today, and the depth-0 phase). */
        private long mallocBytes;
        private long largestAllocation;
        private boolean hasSplit;
        /** Pages held by size-class segments. */
        private long livePages;
        private long offHeapBytes;

        // BlockReserve, as the thread-safe map runs it (today only).
        private int reserveCapacity;
        private int readyBlocks;
        private boolean preparing;
        private long preparingBytes;
        private long pendingWork;

        Model(final Options options, final Strategy strategy)
        {
            this.options = options;
            this.strategy = strategy;
            this.keys = new SplittableRandom(options.seed);
            this.splitBits = new SplittableRandom(options.seed ^ 0x5EED_5B17L);
            this.fullCapacity = capacityFitting(options.segmentBytes);
            this.pageBytes = options.segmentBytes / PAGES_PER_SEGMENT;
            this.classPages = options.classes.clone();
            this.classCapacity = new int[classPages.length];
            this.classMaxEntries = new int[classPages.length];
            for (int i = 0; i < classPages.length; i++)
            {
                classCapacity[i] = classCapacityFor(strategy, classPages[i], pageBytes);
                classMaxEntries[i] = maxEntriesFor(classCapacity[i], options.loadFactor);
            }
            this.topClass = classPages.length - 1;
            this.arena = strategy == Strategy.CLASSES_ARENA ? new Arena(options.chunkPages) : null;

            // withCapacity(0): one zeroed segment of 16 home slots at depth 0.
            segments = 1;
            capacity[0] = FIRST_CAPACITY;
            maxEntries[0] = maxEntriesFor(FIRST_CAPACITY, options.loadFactor);
            sizeClass[0] = -1;
            malloc(bytesFor(FIRST_CAPACITY));
            updateOffHeap();
        }

        Result run(final long sampleEvery)
        {
            final Result result = new Result(strategy);
            final long[] sizes = options.sizes;
            final long last = sizes[sizes.length - 1];
            int nextSize = 0;
            boolean inWindow = false;
            // Hot loop: a few ns per put, so 100M puts take about a second.
            while (entries < last)
            {
                put(keys.nextLong());
                if (!inWindow && segments >= WINDOW_SEGMENTS)
                {
                    inWindow = true;
                    result.windowStart = entries;
                }
                if (inWindow)
                {
                    final double n = entries;
                    final double offHeap = offHeapBytes / n;
                    final double total = (offHeapBytes + heapBytes()) / n;
                    result.worstOffHeap = Math.max(result.worstOffHeap, offHeap);
                    result.bestOffHeap = Math.min(result.bestOffHeap, offHeap);
                    result.sumOffHeap += offHeap;
                    result.worstTotal = Math.max(result.worstTotal, total);
                    result.bestTotal = Math.min(result.bestTotal, total);
                    result.sumTotal += total;
                    result.windowPuts++;
                }
                if (entries == sizes[nextSize])
                {
                    result.checkpoints.add(point());
                    nextSize++;
                }
                if (sampleEvery > 0 && entries % sampleEvery == 0)
                {
                    result.samples.add(point());
                }
            }
            result.largestAllocation = largestAllocation;
            return result;
        }

        private Point point()
        {
            return new Point(entries, offHeapBytes, heapBytes(), segments, copies);
        }

        private long heapBytes()
        {
            return (DIRECTORY_SLOT_HEAP_BYTES << globalDepth) + SEGMENT_HEAP_BYTES * segments;
        }

        /** One put of a new key, as {@code PresizedDocRefMap.put}: make room while its segment is full, insert. */
        private void put(final long key)
        {
            while (true)
            {
                final int index = globalDepth == 0 ? 0 : (int)(key >>> (64 - globalDepth));
                final int segment = directory[index];
                if (count[segment] < maxEntries[segment])
                {
                    count[segment]++;
                    entries++;
                    break;
                }
                makeRoom(segment, key);
            }
            // PresizedDocRefMap.inserted(): one reserve step per inserting put while work is pending.
            if (pendingWork > 0)
            {
                reserveStep();
                updateOffHeap();
            }
        }

        private void makeRoom(final int segment, final long key)
        {
            copies += count[segment];
            if (depth[segment] == 0 && capacity[segment] < fullCapacity)
            {
                growDepthZero(segment);
            }
            else if (sizeClass[segment] >= 0 && sizeClass[segment] < topClass)
            {
                growClass(segment);
            }
            else
            {
                split(segment, key);
            }
            updateOffHeap();
        }

        /** The only segment doubles, to at most the full size, into a new block; the old one is kept until close. */
        private void growDepthZero(final int segment)
        {
            final int bigger = (int)Math.min(2L * capacity[segment], fullCapacity);
            if (strategy == Strategy.TODAY)
            {
                take(bigger);
                retire(capacity[segment]);
            }
            else
            {
                malloc(bytesFor(bigger));
            }
            capacity[segment] = bigger;
            maxEntries[segment] = maxEntriesFor(bigger, options.loadFactor);
        }

        /** Copy-on-write into the next class at the same depth: the new block is taken before the old is given back. */
        private void growClass(final int segment)
        {
            final int from = sizeClass[segment];
            final int to = from + 1;
            final int newAddress = allocatePages(classPages[to]);
            freePages(address[segment], classPages[from]);
            setClass(segment, to, newAddress);
        }

        private void split(final int segment, final long key)
        {
            final int d = depth[segment];
            if (d == MAX_DEPTH)
            {
                throw new IllegalStateException("model error: a segment at depth " + d + " is full");
            }
            final int high = segments;
            if (high == count.length)
            {
                growArrays();
            }
            final int entriesBefore = count[segment];
            final int lows = half(entriesBefore);
            if (strategy == Strategy.TODAY)
            {
                // PresizedDocRefMap.grow: two blocks from the reserve, the parent's back to it, then prepareFor.
                take(capacity[segment]);
                take(capacity[segment]);
                retire(capacity[segment]);
                reserveCapacity(capacity[segment]);
                capacity[high] = capacity[segment];
                maxEntries[high] = maxEntries[segment];
                sizeClass[high] = -1;
            }
            else
            {
                final int lowClass = classFor(lows);
                final int highClass = classFor(entriesBefore - lows);
                final int lowAddress = allocatePages(classPages[lowClass]);
                final int highAddress = allocatePages(classPages[highClass]);
                if (sizeClass[segment] >= 0)
                {
                    freePages(address[segment], classPages[sizeClass[segment]]);
                }
                // else the depth-0 block: malloc'd, and kept until close, as today.
                setClass(segment, lowClass, lowAddress);
                setClass(high, highClass, highAddress);
            }
            hasSplit = true;
            if (d == globalDepth)
            {
                doubleDirectory();
            }
            final int index = (int)(key >>> (64 - globalDepth));
            final int span = 1 << (globalDepth - d);
            final int first = index & -span;
            for (int i = first + (span >> 1); i < first + span; i++)
            {
                directory[i] = high;
            }
            depth[segment] = d + 1;
            depth[high] = d + 1;
            count[segment] = lows;
            count[high] = entriesBefore - lows;
            segments++;
        }

        /** The smallest class whose fill limit exceeds {@code entries}, else the top class (which then splits). */
        private int classFor(final int entries)
        {
            for (int i = 0; i < topClass; i++)
            {
                if (classMaxEntries[i] > entries)
                {
                    return i;
                }
            }
            return topClass;
        }

        private void setClass(final int segment, final int cls, final int pageAddress)
        {
            sizeClass[segment] = cls;
            address[segment] = pageAddress;
            capacity[segment] = classCapacity[cls];
            maxEntries[segment] = classMaxEntries[cls];
        }

        private int allocatePages(final int pages)
        {
            livePages += pages;
            if (arena != null)
            {
                final int chunksBefore = arena.chunks();
                final int start = arena.allocate(pages);
                if (arena.chunks() != chunksBefore)
                {
                    largestAllocation = Math.max(largestAllocation, options.chunkPages * pageBytes);
                }
                return start;
            }
            largestAllocation = Math.max(largestAllocation, pages * pageBytes);
            return 0;
        }

        private void freePages(final int start, final int pages)
        {
            livePages -= pages;
            if (arena != null)
            {
                arena.free(start, pages);
            }
        }

        /** How many of {@code entries} have 0 as their next hash bit: binomial(entries, 1/2), drawn exactly. */
        private int half(final int entries)
        {
            int lows = 0;
            int left = entries;
            while (left >= 64)
            {
                lows += Long.bitCount(splitBits.nextLong());
                left -= 64;
            }
            if (left > 0)
            {
                lows += Long.bitCount(splitBits.nextLong() & ((1L << left) - 1));
            }
            return lows;
        }

        private void doubleDirectory()
        {
            if (globalDepth == MAX_DEPTH)
            {
                throw new IllegalStateException("model error: the directory is at its maximum depth " + MAX_DEPTH);
            }
            final int[] doubled = new int[directory.length * 2];
            for (int i = 0; i < doubled.length; i++)
            {
                doubled[i] = directory[i >> 1];
            }
            directory = doubled;
            globalDepth++;
        }

        private void growArrays()
        {
            final int length = count.length * 2;
            count = Arrays.copyOf(count, length);
            capacity = Arrays.copyOf(capacity, length);
            maxEntries = Arrays.copyOf(maxEntries, length);
            depth = Arrays.copyOf(depth, length);
            sizeClass = Arrays.copyOf(sizeClass, length);
            address = Arrays.copyOf(address, length);
        }

        private void malloc(final long bytes)
        {
            mallocBytes += bytes;
            largestAllocation = Math.max(largestAllocation, bytes);
        }

        private void updateOffHeap()
        {
            switch (strategy)
            {
                case TODAY:
                    offHeapBytes = mallocBytes;
                    break;
                case CLASSES_ARENA:
                    offHeapBytes = mallocBytes + arena.chunks() * options.chunkPages * pageBytes;
                    break;
                case CLASSES_EXACT:
                case PAGED:
                    offHeapBytes = mallocBytes + livePages * pageBytes +
                        (hasSplit ? (long)READY_BLOCKS * PAGES_PER_SEGMENT * pageBytes : 0);
                    break;
                default:
                    throw new IllegalStateException("unknown strategy " + strategy);
            }
        }

        // --------------------------------------------------------------------------------------------------------
        // BlockReserve of the thread-safe map, step for step: take, retire, prepareFor, step, want.
        // --------------------------------------------------------------------------------------------------------

        private void take(final int blockCapacity)
        {
            if (blockCapacity == reserveCapacity)
            {
                if (readyBlocks > 0)
                {
                    readyBlocks--;
                    want();
                    return;
                }
                if (preparing)
                {
                    // The split came before the block was fully touched: the map touches the rest now.
                    preparing = false;
                    pendingWork = 0;
                    want();
                    return;
                }
            }
            malloc(bytesFor(blockCapacity));
        }

        /** Thread-safe: a retired block is never freed while the map is open; one of another size is never reused. */
        private void retire(final int blockCapacity)
        {
            if (blockCapacity == reserveCapacity)
            {
                readyBlocks++;
            }
            want();
        }

        private void reserveCapacity(final int blockCapacity)
        {
            if (blockCapacity != reserveCapacity)
            {
                // Ready blocks of the old size stay allocated, unused; a block being prepared is freed.
                readyBlocks = 0;
                if (preparing)
                {
                    mallocBytes -= preparingBytes;
                    preparing = false;
                }
                pendingWork = 0;
                reserveCapacity = blockCapacity;
            }
            want();
        }

        private void reserveStep()
        {
            if (pendingWork == ALLOCATE_NEXT)
            {
                preparingBytes = bytesFor(reserveCapacity);
                malloc(preparingBytes);
                preparing = true;
                pendingWork = preparingBytes;
                return;
            }
            final long step = Math.min(RESERVE_STEP_BYTES, pendingWork);
            if (!preparing || step <= 0)
            {
                return;
            }
            pendingWork -= step;
            if (pendingWork == 0)
            {
                readyBlocks++;
                preparing = false;
                want();
            }
        }

        private void want()
        {
            if (reserveCapacity != 0 && !preparing && readyBlocks < READY_BLOCKS)
            {
                pendingWork = ALLOCATE_NEXT;
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Report.
    // ------------------------------------------------------------------------------------------------------------

    static String report(final Options options, final List<Result> results)
    {
        final StringBuilder out = new StringBuilder();
        final int fullCapacity = capacityFitting(options.segmentBytes);
        out.append(String.format(Locale.ROOT, "# Modelled memory of a thread-safe PresizedDocRefMap grown from " +
            "empty to %,d random keys%n%n", options.sizes[options.sizes.length - 1]));
        out.append(String.format(Locale.ROOT, "Command: `java -cp bench/target/benchmarks.jar " +
            "dev.docref.bench.GrowthMemoryModel %s`%n%n", options.commandLine));
        out.append(String.format(Locale.ROOT, "segmentBytes %s (%,d home slots, %,d entries per full segment), " +
                "load factor %s, key seed %d. A model, not a measurement: every put simulated, no probe spill; " +
                "heap modelled as %d bytes per directory slot plus %d per segment object.%n%n",
            GrowthPauseHarness.bytes(options.segmentBytes), fullCapacity,
            maxEntriesFor(fullCapacity, options.loadFactor), options.loadFactor, options.seed,
            DIRECTORY_SLOT_HEAP_BYTES, SEGMENT_HEAP_BYTES));
        for (final Result r : results)
        {
            out.append("* ").append(describe(options, r.strategy)).append('\n');
        }
        out.append(String.format(Locale.ROOT, "%n| Strategy | Entries | Off-heap bytes/entry | Off-heap + heap " +
            "bytes/entry | Off-heap | Heap | Segments | Copies per entry |%n"));
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Result r : results)
        {
            for (final Point p : r.checkpoints)
            {
                out.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.2f | %s | %s | %,d | %.2f |%n",
                    r.strategy.title, p.entries, p.offHeapPerEntry(), p.totalPerEntry(),
                    GrowthPauseHarness.bytes(p.offHeapBytes), GrowthPauseHarness.bytes(p.heapBytes), p.segments,
                    p.copiesPerEntry()));
            }
        }
        out.append(String.format(Locale.ROOT, "%nOver the growth, from the first put after which the map has %d " +
            "segments to %,d entries, every put evaluated (bytes per entry, off-heap; then off-heap + heap):%n%n",
            WINDOW_SEGMENTS, options.sizes[options.sizes.length - 1]));
        out.append("| Strategy | From entry | Worst | Mean | Best | Worst (+heap) | Mean (+heap) | Best (+heap) | " +
            "Copies per entry | Largest native allocation | Final segments |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (final Result r : results)
        {
            final Point last = r.last();
            if (r.windowPuts == 0)
            {
                out.append(String.format(Locale.ROOT, "| %s | never %d segments | - | - | - | - | - | - | %.2f | " +
                        "%s | %,d |%n", r.strategy.title, WINDOW_SEGMENTS, last.copiesPerEntry(),
                    GrowthPauseHarness.bytes(r.largestAllocation), last.segments));
                continue;
            }
            out.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | " +
                    "%s | %,d |%n", r.strategy.title, r.windowStart, r.worstOffHeap, r.meanOffHeap(), r.bestOffHeap,
                r.worstTotal, r.meanTotal(), r.bestTotal, last.copiesPerEntry(),
                GrowthPauseHarness.bytes(r.largestAllocation), last.segments));
        }
        return out.toString();
    }

    private static String describe(final Options options, final Strategy strategy)
    {
        if (strategy == Strategy.TODAY)
        {
            return "today: full segments split in two of the same size; blocks from today's BlockReserve (up to 4 " +
                "ready), retired blocks kept for reuse.";
        }
        final long pageBytes = options.segmentBytes / PAGES_PER_SEGMENT;
        final StringBuilder classes = new StringBuilder();
        for (final int pages : options.classes)
        {
            final int capacity = classCapacityFor(strategy, pages, pageBytes);
            classes.append(classes.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT,
                "%d pages (%,d slots, %,d entries)", pages, capacity, maxEntriesFor(capacity, options.loadFactor)));
        }
        final String common = String.format(Locale.ROOT, "classes of %s pages: %s", GrowthPauseHarness.bytes(pageBytes),
            classes);
        if (strategy == Strategy.CLASSES_ARENA)
        {
            return String.format(Locale.ROOT, "classes-arena: %s; carved first fit from chunks of %d pages (%s), " +
                "never freed.", common, options.chunkPages,
                GrowthPauseHarness.bytes(options.chunkPages * pageBytes));
        }
        if (strategy == Strategy.PAGED)
        {
            return "paged: " + common + ", each page its own table with its own tail and guard; live pages only, " +
                "plus 4 full segments' worth once the map splits.";
        }
        return "classes-exact: " + common + "; live pages only, plus 4 full segments' worth once the map splits.";
    }

    /** Parsed command line. */
    static final class Options
    {
        static final String USAGE = String.join("\n",
            "usage: GrowthMemoryModel [--sizes N,N,...] [--strategies today,classes-arena,classes-exact,paged]",
            "                         [--classes 5,6,7,8] [--chunk-pages 64] [--segment-bytes SIZE]",
            "                         [--load-factor F] [--seed S] [--out FILE]",
            "  --sizes LIST         entry counts to report at; the model grows to the largest",
            "                       (default 10000000,58720257,100000000)",
            "  --strategies LIST    today, classes-arena, classes-exact, paged (default: all four)",
            "  --classes LIST       size classes in pages of segmentBytes/8, increasing, each 1 to 8 (default 5,6,7,8)",
            "  --chunk-pages N      classes-arena: pages per arena chunk, at least the largest class (default 64)",
            "  --segment-bytes SIZE the map's segmentBytes, a power of two from 512 to 64MiB (default 128KiB)",
            "  --load-factor F      the map's loadFactor, strictly between 0 and 1 (default 0.875)",
            "  --seed S             seed of the modelled keys (default 20261129)",
            "  --out FILE           also write the report to FILE");

        long[] sizes = {10_000_000L, 58_720_257L, 100_000_000L};
        List<Strategy> strategies = List.of(Strategy.values());
        int[] classes = {5, 6, 7, 8};
        int chunkPages = 64;
        int segmentBytes = PresizedDocRefMap.DEFAULT_SEGMENT_BYTES;
        double loadFactor = PresizedDocRefMap.DEFAULT_LOAD_FACTOR;
        long seed = Keys.KEY_SEED;
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
                    case "--sizes":
                        options.sizes = sizes(CommandLine.value(args, ++i, arg));
                        break;
                    case "--strategies":
                        final List<Strategy> strategies = new ArrayList<>();
                        for (final String name : CommandLine.list(arg, CommandLine.value(args, ++i, arg)))
                        {
                            final Strategy strategy = Strategy.parse(name);
                            if (!strategies.contains(strategy))
                            {
                                strategies.add(strategy);
                            }
                        }
                        options.strategies = strategies;
                        break;
                    case "--classes":
                        options.classes = classes(CommandLine.value(args, ++i, arg));
                        break;
                    case "--chunk-pages":
                    {
                        final String value = CommandLine.value(args, ++i, arg);
                        final long chunkPages = ScaleHarness.Options.count(arg, value, 1);
                        if (chunkPages > MAX_CHUNK_PAGES)
                        {
                            throw new IllegalArgumentException("--chunk-pages must be at most " + MAX_CHUNK_PAGES +
                                " but was " + value + "; e.g. 64 (1 MiB chunks at the default segment size)");
                        }
                        options.chunkPages = (int)chunkPages;
                        break;
                    }
                    case "--segment-bytes":
                    {
                        final String value = CommandLine.value(args, ++i, arg);
                        final long bytes = ScaleHarness.Options.size(arg, value);
                        if (bytes < PresizedDocRefMap.MIN_SEGMENT_BYTES ||
                            bytes > PresizedDocRefMap.MAX_SEGMENT_BYTES || Long.bitCount(bytes) != 1)
                        {
                            throw new IllegalArgumentException("--segment-bytes must be a power of two from " +
                                PresizedDocRefMap.MIN_SEGMENT_BYTES + " to 64MiB but was '" + value + "'; e.g. " +
                                "128KiB, the map's default");
                        }
                        options.segmentBytes = (int)bytes;
                        break;
                    }
                    case "--load-factor":
                        options.loadFactor = loadFactor(CommandLine.value(args, ++i, arg));
                        break;
                    case "--seed":
                        options.seed =
                            ScaleHarness.Options.count(arg, CommandLine.value(args, ++i, arg), Long.MIN_VALUE);
                        break;
                    case "--out":
                        options.out = CommandLine.outputFile(arg, CommandLine.value(args, ++i, arg));
                        break;
                    default:
                        throw new IllegalArgumentException("unknown argument '" + arg + "'");
                }
            }
            options.check();
            return options;
        }

        /** What depends on several options: each class must hold slots, a chunk a block, the arrays the segments. */
        private void check()
        {
            final int top = classes[classes.length - 1];
            if (chunkPages < top)
            {
                throw new IllegalArgumentException("--chunk-pages must be at least the largest class, " + top +
                    " pages, so that a block fits in a chunk, but was " + chunkPages + "; e.g. 64");
            }
            final long pageBytes = segmentBytes / PAGES_PER_SEGMENT;
            if (capacityFitting(classes[0] * pageBytes) < FIRST_CAPACITY)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--classes: class %d is %d bytes at " +
                        "--segment-bytes %d, fewer than the %d home slots a segment needs at least (%d bytes); " +
                        "use larger classes or a larger --segment-bytes", classes[0], classes[0] * pageBytes,
                    segmentBytes, FIRST_CAPACITY, bytesFor(FIRST_CAPACITY)));
            }
            // A split halves a full segment, so the map ends with at most about 2 * size / (entries per segment).
            final long perSegment = maxEntriesFor(capacityFitting(segmentBytes), loadFactor);
            final long largest = sizes[sizes.length - 1];
            if (largest / perSegment * 2 > MAX_SEGMENTS)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "--sizes up to %,d need about %,d " +
                        "segments at --segment-bytes %d, more than the %,d the model holds; use a smaller size or " +
                        "a larger --segment-bytes", largest, largest / perSegment * 2, segmentBytes, MAX_SEGMENTS));
            }
        }

        private static long[] sizes(final String value)
        {
            final String[] parts = CommandLine.list("--sizes", value).toArray(new String[0]);
            final long[] sizes = new long[parts.length];
            for (int i = 0; i < parts.length; i++)
            {
                final String part = parts[i].trim();
                try
                {
                    sizes[i] = Long.parseLong(part.replace("_", ""));
                }
                catch (final NumberFormatException ex)
                {
                    sizes[i] = 0;
                }
                if (sizes[i] < 1)
                {
                    throw new IllegalArgumentException("--sizes must be comma-separated entry counts of at least 1, " +
                        "e.g. 10000000,58720257,100000000, but had '" + part + "'");
                }
            }
            return Arrays.stream(sizes).sorted().distinct().toArray();
        }

        private static int[] classes(final String value)
        {
            final String[] parts = CommandLine.list("--classes", value).toArray(new String[0]);
            final int[] classes = new int[parts.length];
            for (int i = 0; i < parts.length; i++)
            {
                try
                {
                    classes[i] = Integer.parseInt(parts[i].trim());
                }
                catch (final NumberFormatException ex)
                {
                    classes[i] = 0;
                }
                if (classes[i] < 1 || classes[i] > PAGES_PER_SEGMENT || i > 0 && classes[i] <= classes[i - 1])
                {
                    throw new IllegalArgumentException("--classes must list page counts (eighths of a segment) in " +
                        "increasing order, each from 1 to " + PAGES_PER_SEGMENT + ", e.g. 5,6,7,8, but was '" +
                        value + "'");
                }
            }
            return classes;
        }

        private static double loadFactor(final String value)
        {
            double parsed;
            try
            {
                parsed = Double.parseDouble(value);
            }
            catch (final NumberFormatException ex)
            {
                parsed = Double.NaN;
            }
            if (!(parsed > 0.0 && parsed < 1.0))
            {
                throw new IllegalArgumentException("--load-factor must be a number strictly between 0 and 1, e.g. " +
                    "0.875 (the map's default), but was '" + value + "'");
            }
            return parsed;
        }
    }
}
