package dev.docref.core;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.ConcurrentModificationException;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

import dev.docref.guard.AllocationBlockedException;
import dev.docref.guard.AllocationGuard;

import org.agrona.collections.LongLongConsumer;
import org.jetbrains.annotations.Contract;
import org.jetbrains.annotations.NotNull;

/**
 * An open-addressing {@code long -> long} map, stored off-heap in bounded segments, for a primary-key to
 * document-reference index that must never freeze the process when it grows.
 * <p>
 * {@link #withCapacity(long)} allocates, up front, room for the expected number of entries. Past that the map grows
 * one segment at a time: a full segment splits into two, which allocates exactly one new segment (at most
 * {@link Builder#segmentBytes(int) segmentBytes}, 128 KiB by default) and copies only that segment's entries.
 * No single allocation is ever larger than one segment or the directory, and no put does more work than one split;
 * the one exception is {@code withCapacity} where huge pages are in use (transparent huge pages {@code always}, or
 * {@code madvise} with {@code GLIBC_TUNABLES=glibc.malloc.hugetlb=1}), which allocates its segments in groups of up to
 * 32 MiB so that they get them (property {@code docref.huge.pages}).
 * With {@link Builder#growth(Growth) growth(Growth.COMPACT)} segments come in four size classes instead, which keeps
 * a grown map at 23-25 bytes per entry where one size swings between 19 and 37, for growing puts about 1.5 times
 * slower; its blocks are carved from chunks of 8 segments (1 MiB by default), the largest allocation it makes.
 * For contrast: a conventional map doubles one array, and at 58,720,256 entries that is one multi-GB allocation and a
 * rehash of every entry inside a single put.
 * <p>
 * <b>Worked numbers at the defaults</b> (128 KiB segments, load factor 7/8): a full-size segment has 8,120 home
 * slots and holds up to 7,105 entries. {@code withCapacity(58_720_256)} allocates 16,384 segments of 68 KiB
 * (1.06 GiB in all, 19.4 bytes per entry) and a directory of 16,384 references; grown past that, each split
 * allocates one block of that size. With {@link Growth#COMPACT} a map grown from empty carves its segments of 80 to
 * 128 KiB from 1 MiB chunks. See {@code src/site/markdown/design.md}.
 * <p>
 * <b>Keys and values.</b> Every 64-bit key is valid, including 0, -1, {@link Long#MIN_VALUE} and
 * {@link Long#MAX_VALUE}. Every docRef is valid except {@link #missingValue()} (default -1), which {@link #get(long)}
 * returns for an absent key and which {@link #put(long, long)} rejects.
 * <p>
 * <b>Thread-safety</b> (the default, {@link Concurrency#THREAD_SAFE}): any number of threads may call any method
 * at once, except {@link #close()}. Readers take no locks and never wait for a split.
 * <ul>
 *     <li>{@code get}, {@code containsKey}, {@code put}, {@code putIfAbsent} and {@code remove} are linearizable per
 *     key: each returns a value that was mapped to the key at some moment during the call.</li>
 *     <li>Iteration ({@link #cursor()}, {@link #forEach}) is weakly consistent: it never throws because of
 *     concurrent writes and never yields a pair that was not mapped at some moment during the iteration; entries
 *     written, removed or moved by concurrent writers may be missed or, within one segment, seen twice. Removing
 *     the entry just yielded, from the iterating thread (in {@code forEach}'s action, say), misses nothing: a cursor
 *     whose segment changed goes on right after the entry it last yielded. Removing it and putting it back may miss
 *     entries that share its home slot: the re-insert places it after them ({@code concurrency.md}).</li>
 *     <li>{@code size()}, {@code isEmpty()} and {@code capacity()} sum over the segments without locking: exact when
 *     no write runs, an estimate while writes run. {@code clear()} clears one segment at a time.</li>
 *     <li>{@code close()} requires that no other thread is using the map or will use it: call it after every other
 *     thread's last use (for example after joining them). It throws {@link IllegalStateException}, and leaves the map
 *     open, if it finds a writer still inside a segment; readers it cannot detect.</li>
 * </ul>
 * With {@link Concurrency#SINGLE_THREADED} the map is for one thread at a time, like {@code java.util.HashMap}, and
 * iteration fails fast with {@link ConcurrentModificationException}.
 * <p>
 * <b>Memory ownership:</b> the map owns all its native memory and frees it in {@link #close()}; use
 * try-with-resources. After {@code close()} every method throws {@link IllegalStateException} except
 * {@code close()}, {@code toString()}, the settings {@code missingValue()}, {@code concurrency()} and
 * {@code growth()}, and a cursor's {@code key()} and {@code value()}, which keep returning the entry its last
 * {@code next()} found. A map that becomes unreachable without {@code close()} is freed by a
 * {@link Cleaner}, which logs one warning through {@link System.Logger}; a call still running on it keeps it
 * reachable until the call returns ({@link Reference#reachabilityFence}). While the map is open no memory a reader
 * could reach is freed: blocks of replaced segments are kept for reuse.
 * <p>
 * <b>Heap allocation.</b> {@code get}, {@code containsKey}, {@code remove} and advancing a {@link Cursor} allocate
 * nothing on the heap, and neither do {@code put} and {@code putIfAbsent} while the map does not grow (a pre-sized
 * map within its {@code expectedEntries}, an update). While it grows, a few puts allocate a little: one that splits
 * or grows a segment creates the new {@code Segment} objects (64 bytes each) and, if the directory doubles, the
 * doubled directory (a reference per segment); one that allocates a native block (a split that finds no block
 * ready, or a put preparing the next block: with {@code docref.prepare.thread=off} one put per block a split
 * consumes, else only while fewer than 3 are ready) may add or double a shard of the map's block registry; asking
 * the preparer thread for a block queues a node. Growing from 3M to 6M entries: 589 splits allocated 98-121 KB,
 * 128 bytes for most and about 4 and 8 KiB for the directory's two doublings (to 1,024 and 2,048 references), and
 * the other 6 million puts 0-3 KB, in 0-13 puts (see {@code design.md}, Growth).
 * <p>
 * <b>Background thread.</b> Once a map grows past its allocation by splitting segments, the blocks its next splits
 * need are allocated and faulted in by one JVM-wide daemon thread, {@code docref-block-preparer}, started on first
 * need, so that no put waits for {@code malloc} or a page fault. {@code -Ddocref.prepare.thread=off} turns it off:
 * puts then do that work, one allocation or one 4 KiB page per inserting put. A pre-sized map that never outgrows
 * its capacity never uses the thread.
 */
public final class PresizedDocRefMap implements AutoCloseable
{
    /**
     * System property that turns off the slot bounds checks: {@code -Ddocref.disable.bounds.checks=true}.
     * Default {@code false}: checks are on, as in tests. Benchmarks turn them off in their forks. It is read once per
     * JVM, when docref is first used. Any value but {@code true} or {@code false} (case-insensitive) leaves the checks
     * on and makes every {@link Builder#build()} throw {@link IllegalArgumentException} naming the property, the
     * value and the accepted values, until the JVM is started again without it.
     */
    public static final String DISABLE_BOUNDS_CHECKS_PROP_NAME = "docref.disable.bounds.checks";

    /** Default {@link #missingValue()}: {@code -1}, never a valid docRef in most stores (offsets, row ids). */
    public static final long DEFAULT_MISSING_VALUE = -1L;

    /**
     * Default segment size: 128 KiB = 8,120 home slots (plus 72 tail and guard slots) = 7,105 entries at the default
     * load factor. Chosen by measurement (see {@code design.md}): the worst split at 128 KiB took 0.3-0.45 ms on the
     * reference machine against 0.45-1.9 ms at 256 KiB, and segment size from 64 KiB to 1 MiB made no difference to
     * random gets.
     */
    public static final int DEFAULT_SEGMENT_BYTES = 128 * 1024;

    /**
     * Smallest segment: 512 bytes = 16 home slots and 16 tail and guard slots. Useful only in tests that want many
     * splits.
     */
    public static final int MIN_SEGMENT_BYTES = 512;

    /** Hard cap on a segment, and so on the largest allocation growth ever makes: 64 MiB = 4,194,304 slots. */
    public static final int MAX_SEGMENT_BYTES = 64 * 1024 * 1024;

    /** Default load factor 7/8: the fill limit at which a segment splits. */
    public static final double DEFAULT_LOAD_FACTOR = 0.875;

    /**
     * The fewest entries a segment may hold at its fill limit ({@code loadFactor} times its home slots). Below it a
     * growing map splits on almost every put and its directory doubles for every few keys that share their leading
     * mixed bits: at {@code loadFactor} 1e-6 and 512-byte segments a map of 10,205 entries had a directory of 2^27.
     */
    static final int MIN_SEGMENT_ENTRIES = 8;

    private static final int MIN_SEGMENT_SLOTS = 16;
    /**
     * The most a pre-sized map in one segment with a short tail may risk that an insert before its
     * {@code expectedEntries} spills past the tail, and so allocates: 10^-12, what the count rule's 7 standard
     * deviations risks per segment ({@link #fullestSegmentEntries}).
     */
    static final double MAX_SPILL_CHANCE = 1e-12;
    /** Heap bytes of one {@link Segment} object with compressed references: a 12-byte header, 7 fields, padding. */
    private static final int SEGMENT_HEAP_BYTES = 64;
    /**
     * Size classes, in pages of an eighth of a segment: a full segment of a class grows into the next at the same
     * depth, and a full segment of the top class, a full-size segment, splits into two of the smallest class that
     * holds each half. Four classes hold a grown map at 24 bytes per entry where one size swings between 19 and 37
     * (modelled by {@code GrowthMemoryModel}; see {@code design.md}, Growth).
     */
    static final int[] CLASS_PAGES = {5, 6, 7, 8};
    /** Pages of the top class: a full-size segment. */
    static final int TOP_PAGES = 8;
    /** Largest segment with size classes: its arena chunks of 8 segments stay at 8 MiB or less. */
    static final int MAX_CLASS_SEGMENT_BYTES = 1024 * 1024;
    /**
     * Keys {@link #getAll(long[], int, int, long[])} touches before it looks them up. Enough to keep the memory
     * system busy (a core tracks about 20-24 outstanding L1 misses), few enough that one batch's touches still fit
     * in the reorder window (about 30 instructions each, 224-320 entries), so that every touch starts before the
     * first one returns. 8 was slower: 103.9 and 104.4 ns per key against 99.7 and 92.4 at 10M entries
     * ({@code bench/results/2026-12-01-get-all.md}).
     */
    static final int GET_ALL_BATCH = 16;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final VarHandle DIRECTORY;
    private static final VarHandle SEGMENT_COUNT;

    static
    {
        try
        {
            final MethodHandles.Lookup lookup = MethodHandles.lookup();
            DIRECTORY = lookup.findVarHandle(PresizedDocRefMap.class, "directory", Directory.class);
            SEGMENT_COUNT = lookup.findVarHandle(PresizedDocRefMap.class, "segmentCount", int.class);
        }
        catch (final ReflectiveOperationException ex)
        {
            throw new ExceptionInInitializerError(ex);
        }
    }

    private final long missingValue;
    private final long seed;
    private final double loadFactor;
    private final int maxSegmentSlots;
    private final boolean threadSafe;
    private final NativeMemory memory;
    private final Cleaner.Cleanable cleanable;
    /** Blocks kept ready for splits; see {@link BlockReserve}. */
    private final BlockReserve reserve;
    /**
     * Blocks of size-class segments, carved from chunks of 8 segments; {@code null} unless the map was built with
     * {@link Growth#COMPACT} (without it the map keeps one segment size).
     */
    private final PageArena arena;
    /** Home slots of a segment of each size class: {@link #CLASS_PAGES} pages of an eighth of a segment. */
    private final int[] classCapacity;
    /** Fill limit of each size class. */
    private final int[] classMaxEntries;
    /** Serialises every change to the directory (split, grow, doubling) and {@link #close()}. */
    private final Object directoryLock = new Object();

    /**
     * The directory, read with acquire and published with release; {@code null} once closed, which is how every
     * method detects use after close.
     */
    private volatile Directory directory;
    /** Segments; written under {@link #directoryLock}, read with opaque. */
    private int segmentCount;
    /** Entries, single-threaded only (the thread-safe map sums segment counts). */
    private long size;
    /** Structural changes, single-threaded only: the fail-fast iteration check. */
    private int modCount;

    private PresizedDocRefMap(final Builder builder, final long groupBytes, final boolean prepareOnThread,
        final AllocationGuard guard)
    {
        this.missingValue = builder.missingValue;
        this.seed = builder.hashSeedSet ? builder.hashSeed : ThreadLocalRandom.current().nextLong();
        this.loadFactor = builder.loadFactor;
        this.maxSegmentSlots = maxCapacityFor(builder.segmentBytes);
        this.threadSafe = builder.concurrency == Concurrency.THREAD_SAFE;
        this.memory = new NativeMemory(builder.rawAllocator, guard, "PresizedDocRefMap");
        this.reserve = new BlockReserve(memory, threadSafe, prepareOnThread);
        if (builder.growth == Growth.COMPACT)
        {
            final int pageBytes = builder.segmentBytes / TOP_PAGES;
            this.arena = new PageArena(memory, pageBytes);
            this.classCapacity = new int[CLASS_PAGES.length];
            this.classMaxEntries = new int[CLASS_PAGES.length];
            for (int i = 0; i < CLASS_PAGES.length; i++)
            {
                classCapacity[i] = maxCapacityFor(CLASS_PAGES[i] * pageBytes);
                classMaxEntries[i] = maxEntriesFor(classCapacity[i], loadFactor);
            }
        }
        else
        {
            this.arena = null;
            this.classCapacity = null;
            this.classMaxEntries = null;
        }

        final long expectedEntries = builder.expectedEntries;
        final int depth = depthFor(expectedEntries, maxSegmentSlots, loadFactor);
        final int segments = 1 << depth;
        final int slots = slotsFor(expectedEntries, segments, loadFactor, maxSegmentSlots);
        final int maxEntries =
            presizedMaxEntries(slots, fullestSegmentEntries(expectedEntries, segments), loadFactor);
        final long blockBytes = Segment.bytesFor(slots);
        final String context = "withCapacity(" + expectedEntries + "): " + segments + " segments of " +
            NativeMemory.formatBytes(blockBytes) + ", " + NativeMemory.formatBytes(blockBytes * segments) +
            " in all";
        if (builder.rawAllocator == NativeMemory.OFF_HEAP)
        {
            MachineMemory.requireRoomFor(blockBytes * segments, context);
        }
        // The directory is one array on the heap, shown to the guard as its doublings are.
        memory.guard().check(16 + (long)Directory.REFERENCE_BYTES * segments, "PresizedDocRefMap directory");
        final Segment[] table = newDirectoryTable(segments, context);
        // Grouped where huge pages are in use (HugePages): one allocation for several segments, so that its 2 MiB
        // pages hold segments whole; otherwise one block per segment.
        final int perGroup = Math.min(segments, HugePages.segmentsPerGroup(groupBytes, blockBytes));
        try
        {
            for (int i = 0; i < segments; i += perGroup)
            {
                final int pieces = Math.min(perGroup, segments - i);
                final long address = pieces == 1 ?
                    memory.allocate(blockBytes, true, NativeMemory.Purpose.WITH_CAPACITY, context) :
                    memory.allocateGroup(blockBytes, pieces, true, NativeMemory.Purpose.WITH_CAPACITY, context);
                for (int p = 0; p < pieces; p++)
                {
                    table[i + p] = new Segment(address + p * blockBytes, slots, maxEntries, depth);
                }
            }
        }
        catch (final OutOfMemoryError ex)
        {
            memory.markClosedExplicitly();
            memory.run();
            throw NativeMemory.isDocrefError(ex) ? ex : heapExhausted(segments, context, ex);
        }
        catch (final RuntimeException | Error ex)
        {
            memory.markClosedExplicitly();
            memory.run();
            throw ex;
        }
        this.segmentCount = segments;
        this.cleanable = CLEANER.register(this, memory);
        this.directory = new Directory(table, depth);
    }

    /**
     * A thread-safe map that holds at least {@code expectedEntries} entries with no further allocation, with every
     * other setting at its default. All its memory is allocated and zeroed now, in bounded segments.
     * <p>
     * "No further allocation" holds with a probability, for keys not chosen against the map's hash seed: an insert
     * can spill past its segment's tail, and then the segment splits, allocating one block. The chance that this
     * happens before {@code expectedEntries} is below 10^-12 for a map in one segment of under 512 home slots (up to
     * 447 entries at the default load factor; with a {@code segmentBytes} too small for the extra slots this needs,
     * the map keeps one segment with the slots that fit, and a higher chance); past that, an upper bound on it is
     * 3.5 × 10^-7 for one full segment (7,105 entries) and 5.6 × 10^-5 for 58,720,256 entries, and it rises with the
     * number of segments (see {@code design.md}, Growth).
     *
     * @param expectedEntries how many entries to make room for; 0 or more.
     * @return a new map; close it.
     * @throws IllegalArgumentException   if {@code expectedEntries} is negative or larger than the map can address,
     *                                    or a {@code docref.*} system property the map reads has a bad value.
     * @throws OutOfMemoryError           if the native memory or the heap for the directory is not available, or the
     *                                    map would exceed the machine's memory and swap; nothing stays allocated.
     * @throws AllocationBlockedException if {@link AllocationGuard#global()} blocks the allocation; nothing stays
     *                                    allocated.
     */
    public static @NotNull PresizedDocRefMap withCapacity(final long expectedEntries)
    {
        return builder().expectedEntries(expectedEntries).build();
    }

    /** @return a builder with every setting at its default. */
    public static @NotNull Builder builder()
    {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------------------------
    // Reads: lock-free. Take a segment's stamp, read, validate; retry on a write in progress, reload the directory
    // when the segment was replaced.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * The docRef mapped to {@code key}.
     *
     * @param key any key.
     * @return the docRef, or {@link #missingValue()} when absent.
     */
    public long get(final long key)
    {
        final long stored = find(Hashing.mix(key, seed));
        // The map must stay reachable until its slots are read: once its last use is behind a caller that dropped
        // it, its Cleaner could otherwise free the blocks mid-read. No code is emitted for the fence.
        Reference.reachabilityFence(this);
        return stored ^ missingValue;
    }

    /**
     * The docRefs of many keys at once, for a query's IN-list or a join's probe side: {@code values[i]} receives
     * {@code get(keys[i])} for every {@code i} in {@code [from, to)}, and nothing outside that range is written.
     * <p>
     * It looks keys up in batches of {@value #GET_ALL_BATCH}: first it loads each key's first probe window, loads that
     * do not depend on one another, so that their cache misses overlap, then it looks each key up as {@code get}
     * does, mostly in cache by then. At 10M entries calls of 1,024 keys took 0.71x-0.75x the time of a loop of
     * {@code get}, calls of 16 keys 0.86x-0.94x; at 1M entries it gained nothing reliable (see {@code benchmarks.md},
     * Batched get).
     * <p>
     * <b>Thread-safety:</b> per key, as {@code get}: each {@code values[i]} is a docRef {@code keys[i]} had (or its
     * absence) at some moment during the call; the batch is not a snapshot, so two keys' values may come from
     * different moments and a write that ran during the call may be seen for one key and not for another. While it
     * runs, {@code values[from, to)} holds scratch words; read them only after it returns.
     * <p>
     * Allocates nothing. Repeated keys are looked up each time.
     *
     * @param keys   the keys to look up; {@code keys[from, to)} are read.
     * @param from   first index to look up, {@code 0 <= from <= to}.
     * @param to     index after the last to look up, {@code to <= keys.length} and {@code to <= values.length}; equal
     *               to {@code from} for an empty range, which writes nothing.
     * @param values receives {@code values[i]}, the docRef of {@code keys[i]} or {@link #missingValue()}; must
     *               not be {@code keys} itself (the batch's first pass writes scratch words here before it has read
     *               every key).
     * @return how many of the keys were found (a repeated key counts each time).
     * @throws NullPointerException     if {@code keys} or {@code values} is null; nothing is written.
     * @throws IllegalArgumentException if {@code from < 0}, {@code from > to}, {@code to > keys.length},
     *                                  {@code to > values.length} or {@code values == keys}, naming the value and the
     *                                  limit; nothing is written.
     * @throws IllegalStateException    if the map is closed; nothing is written.
     */
    public int getAll(final long @NotNull [] keys, final int from, final int to, final long @NotNull [] values)
    {
        requireGetAllRange(keys, from, to, values);
        directory(); // use after close throws before anything is written
        final long seed = this.seed;
        final long missingValue = this.missingValue;
        int found = 0;
        for (int start = from; start < to; )
        {
            final int end = to - start > GET_ALL_BATCH ? start + GET_ALL_BATCH : to;
            // Touch each key's first window. The loads are independent and nothing branches on them, so the CPU has
            // all the batch's misses in flight at once, where a loop of get has only as many as it overlaps. Each
            // touched word is stored to values[i], which the lookup below overwrites: a store C2 must keep, so the
            // loads are not dead code. Not validated: a touch only brings lines into the cache; it reads only what
            // get's first window may read (see Segment.touchFirstWindow).
            final Directory directory = directory();
            for (int i = start; i < end; i++)
            {
                final long h = Hashing.mix(keys[i], seed);
                values[i] = directory.segmentFor(h).touchFirstWindow(h);
            }
            // Recomputing the mixed key costs a few multiplies; keeping it would take a scratch array or the values.
            for (int i = start; i < end; i++)
            {
                final long stored = find(Hashing.mix(keys[i], seed));
                values[i] = stored ^ missingValue;
                found += (int)((stored | -stored) >>> 63);
            }
            start = end;
        }
        Reference.reachabilityFence(this); // see get
        return found;
    }

    /**
     * {@link #getAll(long[], int, int, long[]) getAll(keys, 0, keys.length, values)}: the docRefs of every key.
     *
     * @param keys   the keys to look up.
     * @param values receives {@code values[i]}, the docRef of {@code keys[i]} or {@link #missingValue()}; at least
     *               as long as {@code keys}.
     * @return how many of the keys were found.
     * @throws NullPointerException     if {@code keys} or {@code values} is null; nothing is written.
     * @throws IllegalArgumentException if {@code values} is shorter than {@code keys} or is {@code keys}; nothing is
     *                                  written.
     * @throws IllegalStateException    if the map is closed; nothing is written.
     */
    public int getAll(final long @NotNull [] keys, final long @NotNull [] values)
    {
        Objects.requireNonNull(keys, NULL_KEYS);
        return getAll(keys, 0, keys.length, values);
    }

    private static final String NULL_KEYS = "getAll: keys is null; pass an array of the keys to look up";

    private static void requireGetAllRange(final long[] keys, final int from, final int to, final long[] values)
    {
        Objects.requireNonNull(keys, NULL_KEYS);
        Objects.requireNonNull(values, "getAll: values is null; pass an array of at least " + to +
            " longs to receive the docRefs");
        if (from < 0)
        {
            throw new IllegalArgumentException("getAll: from " + from + " is negative; pass from >= 0");
        }
        if (from > to)
        {
            throw new IllegalArgumentException("getAll: from " + from + " is after to " + to +
                "; pass from <= to (from == to looks up nothing)");
        }
        if (to > keys.length)
        {
            throw new IllegalArgumentException("getAll: to " + to + " is past the end of keys (length " +
                keys.length + "); pass to <= keys.length");
        }
        if (to > values.length)
        {
            throw new IllegalArgumentException("getAll: values has length " + values.length + ", too short for to " +
                to + " (values[i] receives the docRef of keys[i]); pass a values array of length at least " + to);
        }
        if (values == keys)
        {
            throw new IllegalArgumentException("getAll: values is the keys array, which the lookups would overwrite " +
                "before reading every key; pass a separate values array of length at least " + to);
        }
    }

    /** @return whether {@code key} is mapped. */
    public boolean containsKey(final long key)
    {
        final long stored = find(Hashing.mix(key, seed));
        Reference.reachabilityFence(this);
        return stored != 0;
    }

    /**
     * The stored word for mixed key {@code h}, or 0: a consistent read of the segment that holds it.
     * <p>
     * The single-threaded map reads the segment without its seqlock: its writers never change the stamps, and no
     * writer runs while it reads, so taking and validating the stamp would be work that always succeeds. Skipping it
     * took a single-threaded get hit from 128.0 and 128.7 ns to 106.4 and 110.2 ns at 10M pre-sized entries (JMH, 2
     * forks per build, builds alternating), about 0.85x at 100M too; see {@code benchmarks.md}.
     */
    private long find(final long h)
    {
        Directory directory = directory();
        if (!threadSafe)
        {
            return directory.segmentFor(h).find(h);
        }
        int spins = 0;
        while (true)
        {
            final Segment segment = directory.segmentFor(h);
            final long stamp = segment.versionAcquire();
            if ((stamp & 1) == 0)
            {
                final long stored = segment.find(h);
                if (segment.validate(stamp))
                {
                    return stored;
                }
            }
            else if (stamp == Segment.RETIRED)
            {
                directory = directory();
            }
            else
            {
                spins = Segment.backOff(spins);
            }
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Writes: lock the key's segment (thread-safe map), re-check it was not replaced meanwhile, change it between
    // beginWrite and endWrite.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Map {@code key} to {@code docRef}, replacing any previous mapping.
     *
     * @return the previous docRef, or {@link #missingValue()} if there was none.
     * @throws IllegalArgumentException    if {@code docRef == missingValue()}; the map is unchanged.
     * @throws OutOfMemoryError            if a split cannot get its segment; the map is unchanged.
     * @throws AllocationBlockedException  if the map's {@link Builder#guard guard} blocks a split's allocation; the
     *                                     map is unchanged.
     * @throws IllegalStateException       if the map is closed, whatever the arguments.
     */
    public long put(final long key, final long docRef)
    {
        final long previous = put(key, docRef, false);
        Reference.reachabilityFence(this); // see get
        return previous;
    }

    /**
     * Map {@code key} to {@code docRef} only if {@code key} is absent.
     *
     * @return the docRef already mapped (the map is unchanged), or {@link #missingValue()} if it was inserted.
     * @throws IllegalArgumentException    if {@code docRef == missingValue()}; the map is unchanged.
     * @throws OutOfMemoryError            if a split cannot get its segment; the map is unchanged.
     * @throws AllocationBlockedException  if the map's {@link Builder#guard guard} blocks a split's allocation; the
     *                                     map is unchanged.
     * @throws IllegalStateException       if the map is closed, whatever the arguments.
     */
    public long putIfAbsent(final long key, final long docRef)
    {
        final long previous = put(key, docRef, true);
        Reference.reachabilityFence(this); // see get
        return previous;
    }

    private long put(final long key, final long docRef, final boolean onlyIfAbsent)
    {
        final long missingValue = this.missingValue;
        if (docRef == missingValue)
        {
            throw missingValueDocRef(key, docRef);
        }
        final long h = Hashing.mix(key, seed);
        final long stored = docRef ^ missingValue;
        while (true)
        {
            final Segment segment = lockedSegmentFor(h);
            if (segment == null)
            {
                continue;
            }
            try
            {
                final int count = segment.count;
                if (count < segment.maxEntries)
                {
                    beginWrite(segment);
                    final long previous;
                    try
                    {
                        previous = segment.put(h, stored, onlyIfAbsent);
                    }
                    finally
                    {
                        endWrite(segment);
                    }
                    if (previous != 0)
                    {
                        return previous ^ missingValue;
                    }
                    if (segment.count != count)
                    {
                        inserted();
                        return missingValue;
                    }
                    // The insert would have spilled past the segment's tail: grow, then insert.
                }
                else
                {
                    final int index = segment.search(h);
                    if (index >= 0)
                    {
                        final long previous = segment.storedAt(index);
                        if (!onlyIfAbsent)
                        {
                            beginWrite(segment);
                            segment.storeAt(index, stored);
                            endWrite(segment);
                        }
                        return previous ^ missingValue;
                    }
                }
                grow(segment, h);
            }
            finally
            {
                unlock(segment);
            }
        }
    }

    /** For tests: the blocks kept ready for splits. */
    BlockReserve reserve()
    {
        return reserve;
    }

    /** For tests (jcstress states): the segment the directory maps {@code key} to now, to tell which block holds it. */
    Segment segmentOf(final long key)
    {
        return directory().segmentFor(Hashing.mix(key, seed));
    }

    /** After an insert: the single-threaded bookkeeping, and one step of keeping blocks ready for splits. */
    private void inserted()
    {
        if (!threadSafe)
        {
            size++;
            modCount++;
        }
        if (reserve.pendingWork() > 0)
        {
            reserve.step();
        }
        if (arena != null && arena.pendingWork())
        {
            arena.step();
        }
    }

    /**
     * Remove the mapping for {@code key}.
     *
     * @return the removed docRef, or {@link #missingValue()} if it was absent.
     */
    public long remove(final long key)
    {
        final long removed = removeMixed(Hashing.mix(key, seed));
        Reference.reachabilityFence(this); // see get
        return removed;
    }

    private long removeMixed(final long h)
    {
        while (true)
        {
            final Segment segment = lockedSegmentFor(h);
            if (segment == null)
            {
                continue;
            }
            try
            {
                final int index = segment.search(h);
                if (index < 0)
                {
                    return missingValue;
                }
                final long removed = segment.storedAt(index);
                beginWrite(segment);
                segment.deleteAt(index);
                endWrite(segment);
                if (!threadSafe)
                {
                    size--;
                    modCount++;
                }
                return removed ^ missingValue;
            }
            finally
            {
                unlock(segment);
            }
        }
    }

    /**
     * The segment for {@code h}, locked (thread-safe map), or {@code null} if it was replaced between reading the
     * directory and taking its lock: the caller retries with the new directory.
     */
    private Segment lockedSegmentFor(final long h)
    {
        final Segment segment = directory().segmentFor(h);
        if (threadSafe)
        {
            segment.lock();
            if (segment.isRetired())
            {
                segment.unlock();
                return null;
            }
        }
        return segment;
    }

    private void beginWrite(final Segment segment)
    {
        if (threadSafe)
        {
            segment.beginWrite();
        }
    }

    private void endWrite(final Segment segment)
    {
        if (threadSafe)
        {
            segment.endWrite();
        }
    }

    private void unlock(final Segment segment)
    {
        if (threadSafe)
        {
            segment.unlock();
        }
    }

    /**
     * The number of entries. Thread-safe map: the sum of the segments' counts, exact when no write runs, an estimate
     * while writes run; it visits every segment (16,384 for a 58.7M pre-sized map, some tens of microseconds).
     */
    public long size()
    {
        final Directory directory = directory();
        if (!threadSafe)
        {
            return size;
        }
        long total = 0;
        final int length = directory.segments.length;
        Segment previous = null;
        for (int i = 0; i < length; i++)
        {
            final Segment segment = directory.segmentAt(i);
            if (segment != previous)
            {
                total += segment.countOpaque();
                previous = segment;
            }
        }
        return total;
    }

    /** @return whether the map has no entries (see {@link #size()} for what that means while writes run). */
    public boolean isEmpty()
    {
        return size() == 0;
    }

    /**
     * Remove every entry, keeping the memory, zeroed, for the entries to come. Thread-safe map: segment by segment,
     * so a concurrent reader may see some segments cleared and others not yet.
     */
    public void clear()
    {
        Directory directory = directory();
        for (int i = 0; i < directory.segments.length; i++)
        {
            final Segment segment = directory.segmentAt(i);
            if (!directory.isFirstIndexOf(i, segment))
            {
                continue;
            }
            if (threadSafe)
            {
                segment.lock();
                if (segment.isRetired())
                {
                    // Split since this directory was read: start over on the current directory; clearing twice
                    // is harmless.
                    segment.unlock();
                    directory = directory();
                    i = -1;
                    continue;
                }
            }
            try
            {
                beginWrite(segment);
                segment.clear();
                endWrite(segment);
            }
            finally
            {
                unlock(segment);
            }
        }
        if (!threadSafe)
        {
            size = 0;
            modCount++;
        }
        // A map dropped by its caller must not be freed while its last segment is zeroed; see get.
        Reference.reachabilityFence(this);
    }

    /**
     * Call {@code action} with every key and docRef, in no particular order. Thread-safe map: weakly consistent, as
     * {@link #cursor()}.
     *
     * @throws ConcurrentModificationException single-threaded map only: if {@code action} adds or removes entries.
     */
    public void forEach(final @NotNull LongLongConsumer action)
    {
        // The cursor checks that the map is open first: a closed map says so whatever the argument (see put).
        final Cursor cursor = new Cursor(this);
        Objects.requireNonNull(action, "action");
        while (cursor.next())
        {
            action.accept(cursor.key(), cursor.value());
        }
    }

    /**
     * A cursor over the entries. Advancing it allocates nothing, except once in its life, 528 bytes, the first time a
     * segment of a thread-safe map splits under it; keep one and {@link Cursor#reset() reset} it to iterate again
     * without allocating.
     *
     * @return a new cursor positioned before the first entry.
     */
    public @NotNull Cursor cursor()
    {
        directory();
        return new Cursor(this);
    }

    /** @return the docRef that marks an absent key, returned by {@link #get(long)} on a miss. */
    public long missingValue()
    {
        return missingValue;
    }

    /**
     * How many entries fit in the memory already allocated: the sum of every segment's fill limit. Keys spread
     * unevenly, so a segment can fill, or an insert spill past its tail, and split before {@code size()} reaches
     * this; {@link #withCapacity} adds statistical slack so that it reaches its {@code expectedEntries} with no
     * allocation, except with the small chance its javadoc gives.
     */
    public long capacity()
    {
        final Directory directory = directory();
        long capacity = 0;
        Segment previous = null;
        for (int i = 0; i < directory.segments.length; i++)
        {
            final Segment segment = directory.segmentAt(i);
            if (segment != previous)
            {
                capacity += segment.maxEntries;
                previous = segment;
            }
        }
        return capacity;
    }

    /**
     * @return all native memory the map holds, in bytes: its segments; once it grows by splitting, the up to 5
     * blocks kept ready for the next splits (640 KiB at the default segment size), which the
     * {@code docref-block-preparer} thread may add shortly after a split, between two calls on the map; with
     * {@link Growth#COMPACT}, the chunks its size-class segments are carved from, free pages included; and in a
     * thread-safe map grown from a small size, the smaller blocks its one segment outgrew, kept until
     * {@code close()} because a reader may still be reading them (134 KiB at the defaults: a map of 7,000 entries
     * grown from empty holds 262 KiB where the single-threaded one holds 128 KiB).
     */
    public long offHeapBytes()
    {
        directory();
        return memory.offHeapBytes();
    }

    /** @return the number of segments. */
    public int segmentCount()
    {
        directory();
        return (int)SEGMENT_COUNT.getOpaque(this);
    }

    /** @return the largest single native allocation this map ever made, in bytes. */
    public long largestAllocationBytes()
    {
        directory();
        return memory.largestAllocationBytes();
    }

    /** @return whether this map may be used by several threads at once. */
    public @NotNull Concurrency concurrency()
    {
        return threadSafe ? Concurrency.THREAD_SAFE : Concurrency.SINGLE_THREADED;
    }

    /** @return how this map grows past the entries it was sized for. */
    public @NotNull Growth growth()
    {
        return arena != null ? Growth.COMPACT : Growth.FAST;
    }

    /**
     * Free all native memory. Calling it again does nothing; every other method then throws
     * {@link IllegalStateException}. Call it only after every other thread's last use of the map.
     *
     * @throws IllegalStateException if another thread is still inside a write to the map; the map stays open.
     */
    public void close()
    {
        synchronized (directoryLock)
        {
            final Directory directory = this.directory;
            if (directory == null)
            {
                return;
            }
            if (threadSafe)
            {
                lockAllOrThrow(directory);
            }
            DIRECTORY.setRelease(this, (Directory)null);
            memory.markClosedExplicitly();
            cleanable.clean();
        }
    }

    /** Take every segment's lock, or, if another thread holds one, release those taken and throw. */
    private static void lockAllOrThrow(final Directory directory)
    {
        final Segment[] segments = directory.segments;
        for (int i = 0; i < segments.length; i++)
        {
            final Segment segment = directory.segmentAt(i);
            if (directory.isFirstIndexOf(i, segment) && !segment.tryLock())
            {
                for (int j = 0; j < i; j++)
                {
                    final Segment locked = directory.segmentAt(j);
                    if (directory.isFirstIndexOf(j, locked))
                    {
                        locked.unlock();
                    }
                }
                throw new IllegalStateException("PresizedDocRefMap.close() was called while another thread is " +
                    "writing to the map; the map stays open. Close it only after every other thread's last use " +
                    "(for example after joining them).");
            }
        }
    }

    public String toString()
    {
        final Directory directory = this.directory;
        if (directory == null)
        {
            return "PresizedDocRefMap{closed}";
        }
        return "PresizedDocRefMap{size=" + size() + ", segments=" + segmentCount() + ", directoryDepth=" +
            directory.depth + ", offHeap=" + NativeMemory.formatBytes(memory.offHeapBytes()) + "}";
    }

    // ------------------------------------------------------------------------------------------------------------
    // Growth: cold path, run by the writer that holds the full segment's lock.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * Make room in a full segment, whose lock the caller holds. While the map is one small segment it grows that
     * segment (to at most one segment's size). Otherwise the segment splits: copy-on-split into two children whose
     * blocks come from the {@link BlockReserve}, to which the parent's block returns, so a split costs exactly one
     * new block. With {@link Growth#COMPACT}, a size-class segment below full size instead grows into the next class
     * at the same depth, and a full-size segment splits into two children of the smallest classes that hold their
     * halves, their blocks from the {@link PageArena}, to which the parent's block returns (a pre-sized segment of
     * another size splits as above). Nothing is changed until every allocation succeeded. The full segment is only
     * read, so readers go on reading it, without waiting, until it is retired; then they find its replacement in the
     * directory.
     */
    private void grow(final Segment full, final long h)
    {
        if (full.localDepth == 0 && full.capacity < maxSegmentSlots)
        {
            final int capacity = (int)Math.min((long)full.capacity * 2, maxSegmentSlots);
            final Segment bigger = newSegment(capacity, 0, true, NativeMemory.Purpose.GROW);
            if (full.copyInto(bigger))
            {
                synchronized (directoryLock)
                {
                    directory().set(0, bigger);
                    replaced(full);
                }
                return;
            }
            // Keys piled up past the bigger segment's tail (only a known hashSeed makes that likely): split instead.
            reserve.retire(bigger.address, bigger.capacity);
        }
        if (arena != null)
        {
            if (full.pages > 0 && full.pages < TOP_PAGES && growIntoNextClass(full, h))
            {
                return;
            }
            if (full.capacity == maxSegmentSlots && splitIntoClasses(full, h))
            {
                return;
            }
            // A child would spill past its tail in its class (only a known hashSeed makes that likely): split into
            // full-size children as below, which never spill.
        }
        if (full.localDepth == Directory.MAX_DEPTH)
        {
            throw new IllegalStateException("docref cannot split a segment at local depth " + full.localDepth +
                ", the maximum " + Directory.MAX_DEPTH + " (" + this + "); the keys collide in their top " +
                Directory.MAX_DEPTH + " mixed bits, which only a known hashSeed makes possible. Use a random " +
                "hashSeed, or larger segmentBytes.");
        }

        final Directory before = directory();
        if (full.localDepth == before.depth)
        {
            // The directory doubles below, on the heap: an array of twice as many references.
            memory.guard().check(16 + (long)Directory.REFERENCE_BYTES * 2 * before.segments.length,
                "PresizedDocRefMap directory doubling");
        }
        final int childDepth = full.localDepth + 1;
        final Segment low = newSegment(full.capacity, childDepth, false, NativeMemory.Purpose.SPLIT);
        final Segment high;
        try
        {
            high = newSegment(full.capacity, childDepth, false, NativeMemory.Purpose.SPLIT);
        }
        catch (final RuntimeException | Error ex)
        {
            reserve.retire(low.address, low.capacity);
            throw ex;
        }
        full.splitInto(low, high);
        publishSplit(full, h, low, high);
        reserve.prepareFor(full.capacity);
    }

    /**
     * Point the directory at the two children of {@code full} instead of it (doubling the directory first if need
     * be), then retire it. If the doubled directory cannot be allocated, the children's blocks are given back and the
     * map is unchanged.
     */
    private void publishSplit(final Segment full, final long h, final Segment low, final Segment high)
    {
        synchronized (directoryLock)
        {
            final Directory current = directory();
            Directory target = current;
            if (full.localDepth == current.depth)
            {
                try
                {
                    target = current.doubled();
                }
                catch (final OutOfMemoryError ex)
                {
                    release(low);
                    release(high);
                    throw ex;
                }
            }
            final int span = 1 << (target.depth - full.localDepth);
            final int first = target.indexFor(h) & -span;
            final int half = span >> 1;
            for (int i = 0; i < half; i++)
            {
                target.set(first + i, low);
                target.set(first + half + i, high);
            }
            if (target != current)
            {
                DIRECTORY.setRelease(this, target);
            }
            SEGMENT_COUNT.setOpaque(this, segmentCount + 1);
            replaced(full);
        }
    }

    /**
     * Copy a full segment of a size class below the top into a segment of the next class at the same depth, and
     * put it in the directory in place of the full one. Copy-on-write, as a split: readers go on reading the full
     * segment until it is retired.
     *
     * @return false, changing nothing, if an entry would spill past the new segment's tail.
     */
    private boolean growIntoNextClass(final Segment full, final long h)
    {
        final int next = classIndexOf(full.pages) + 1;
        final Segment bigger = newClassSegment(next, full.localDepth, NativeMemory.Purpose.CLASS_GROW);
        if (!bigger.fillFrom(full))
        {
            release(bigger);
            return false;
        }
        synchronized (directoryLock)
        {
            final Directory current = directory();
            final int span = 1 << (current.depth - full.localDepth);
            final int first = current.indexFor(h) & -span;
            for (int i = 0; i < span; i++)
            {
                current.set(first + i, bigger);
            }
            replaced(full);
        }
        return true;
    }

    /**
     * Split a full-size segment into two children, each of the smallest size class that holds its half.
     *
     * @return false, changing nothing, if an entry of either child would spill past its tail.
     */
    private boolean splitIntoClasses(final Segment full, final long h)
    {
        if (full.localDepth == Directory.MAX_DEPTH)
        {
            return false;
        }
        final Directory before = directory();
        if (full.localDepth == before.depth)
        {
            memory.guard().check(16 + (long)Directory.REFERENCE_BYTES * 2 * before.segments.length,
                "PresizedDocRefMap directory doubling");
        }
        // Each child in the smallest class that holds its half: one counting pass over the parent, about a tenth
        // of a split's time, and exact, so that a lopsided split does not leave a child too large for its entries.
        final int lows = full.countWithBit(63 - full.localDepth, 0);
        final int childDepth = full.localDepth + 1;
        final Segment low = newClassSegment(classFor(lows), childDepth, NativeMemory.Purpose.SPLIT);
        final Segment high;
        try
        {
            high = newClassSegment(classFor(full.count - lows), childDepth, NativeMemory.Purpose.SPLIT);
        }
        catch (final RuntimeException | Error ex)
        {
            release(low);
            throw ex;
        }
        if (!full.splitFill(low, high))
        {
            release(low);
            release(high);
            return false;
        }
        publishSplit(full, h, low, high);
        return true;
    }

    /** The smallest size class whose fill limit exceeds {@code entries}, else the top class. */
    private int classFor(final int entries)
    {
        for (int i = 0; i < CLASS_PAGES.length - 1; i++)
        {
            if (classMaxEntries[i] > entries)
            {
                return i;
            }
        }
        return CLASS_PAGES.length - 1;
    }

    private static int classIndexOf(final int pages)
    {
        for (int i = 0; i < CLASS_PAGES.length; i++)
        {
            if (CLASS_PAGES[i] == pages)
            {
                return i;
            }
        }
        throw new IllegalStateException("docref internal error: no size class of " + pages + " pages");
    }

    private Segment newClassSegment(final int sizeClass, final int localDepth, final NativeMemory.Purpose purpose)
    {
        final int pages = CLASS_PAGES[sizeClass];
        final long address = arena.allocate(pages, purpose, this);
        return new Segment(address, classCapacity[sizeClass], classMaxEntries[sizeClass], localDepth, pages);
    }

    /** Give back the block of a segment that was never published. */
    private void release(final Segment segment)
    {
        if (segment.pages > 0)
        {
            arena.free(segment.address, segment.pages);
        }
        else
        {
            reserve.retire(segment.address, segment.capacity);
        }
    }

    /** Retire a segment the directory no longer points to, then hand its block back for reuse. */
    private void replaced(final Segment old)
    {
        old.retire();
        if (old.pages > 0)
        {
            arena.free(old.address, old.pages);
        }
        else if (arena != null && old.capacity == maxSegmentSlots &&
            Segment.bytesFor(old.capacity) == TOP_PAGES * arena.pageBytes())
        {
            // A full-size block allocated alone (a pre-sized map's, or the last of a small map's grows): the classes
            // reuse it.
            arena.adopt(old.address, TOP_PAGES);
        }
        else
        {
            reserve.retire(old.address, old.capacity);
        }
        if (!threadSafe)
        {
            modCount++;
        }
    }

    private Segment newSegment(final int capacity, final int localDepth, final boolean zeroed,
        final NativeMemory.Purpose purpose)
    {
        final long address = reserve.take(capacity, zeroed, purpose, this);
        return new Segment(address, capacity, maxEntriesFor(capacity, loadFactor), localDepth);
    }

    private Directory directory()
    {
        final Directory directory = this.directory;
        if (directory == null)
        {
            throw new IllegalStateException("PresizedDocRefMap is closed; create a new map, or close it only " +
                "after its last use");
        }
        return directory;
    }

    /**
     * The error for a put of {@code missingValue}, unless the map is closed: then {@link #directory()} throws its
     * {@link IllegalStateException} first, as every other use after close does. Use after close is the more
     * fundamental error, and checking it here, on the branch only a rejected put takes, leaves the put path as it was.
     */
    private IllegalArgumentException missingValueDocRef(final long key, final long docRef)
    {
        directory();
        return new IllegalArgumentException("docRef " + docRef + " for key " + key + " equals this map's " +
            "missingValue, which marks an absent key and cannot be stored; the map is unchanged. Store another " +
            "docRef, or build the map with builder().missingValue(x) using a value your docRefs never take.");
    }

    /** The directory's array for {@code segments} segments; a heap that cannot hold it gets a docref error. */
    private static Segment[] newDirectoryTable(final int segments, final String context)
    {
        try
        {
            return new Segment[segments];
        }
        catch (final OutOfMemoryError ex)
        {
            throw heapExhausted(segments, context, ex);
        }
    }

    /**
     * The error for a heap too small for a pre-sized map's directory and segment objects: {@link #SEGMENT_HEAP_BYTES}
     * and a reference per segment, 1.06 GiB of heap at 2^24 segments.
     */
    private static OutOfMemoryError heapExhausted(final int segments, final String context, final OutOfMemoryError ex)
    {
        final long heapBytes = (long)segments * (SEGMENT_HEAP_BYTES + Directory.REFERENCE_BYTES);
        final OutOfMemoryError error = new OutOfMemoryError("docref could not allocate the Java heap that " +
            "withCapacity needs for " + segments + " segments (" + context + "): about " +
            NativeMemory.formatBytes(heapBytes) + " for the directory and one object per segment, with the JVM's " +
            "maximum heap at " + NativeMemory.formatBytes(Runtime.getRuntime().maxMemory()) + "; nothing stays " +
            "allocated. Use larger segmentBytes (fewer segments), a larger -Xmx, or a smaller expectedEntries.");
        error.initCause(ex);
        return error;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Sizing.
    // ------------------------------------------------------------------------------------------------------------

    /** The most home slots a segment of at most {@code segmentBytes} has, after its tail and guard slots. */
    static int maxCapacityFor(final int segmentBytes)
    {
        int capacity = segmentBytes / Segment.SLOT_BYTES;
        while (Segment.bytesFor(capacity) > segmentBytes)
        {
            capacity--;
        }
        return capacity;
    }

    static int maxEntriesFor(final int capacity, final double loadFactor)
    {
        return (int)Math.max(1, Math.min(capacity - 1L, (long)Math.floor(capacity * loadFactor)));
    }

    /**
     * The fill a pre-sized segment may reach to absorb the statistical spread of keys: halfway from the load factor
     * to full (15/16 at the default 7/8). Robin Hood probing stays short there (about 8 slots per lookup on average).
     */
    static double presizedMaxFill(final double loadFactor)
    {
        return loadFactor + (1.0 - loadFactor) / 2;
    }

    /**
     * Entries the fullest of {@code segments} segments may receive when {@code n} random keys spread over them: the
     * mean plus 7 standard deviations (a 1-in-10^12 chance per segment of more) plus 8.
     */
    static long fullestSegmentEntries(final long n, final int segments)
    {
        if (segments == 1)
        {
            return n;
        }
        final double mean = (double)n / segments;
        final double sd = Math.sqrt(mean * (1.0 - 1.0 / segments));
        return (long)Math.ceil(mean + 7 * sd) + 8;
    }

    /**
     * Slots per segment for {@code n} entries over {@code segments} segments: enough for the mean at the load factor
     * and for the fullest segment at {@link #presizedMaxFill}, and for one segment with a short tail
     * {@link #slotsWithoutSpill}. May exceed the maximum segment size.
     */
    static long slotsFor(final long n, final int segments, final double loadFactor)
    {
        final long slots = countSlotsFor(n, segments, loadFactor);
        if (segments == 1 && Segment.tailFor((int)slots) < Segment.MAX_TAIL)
        {
            return slotsWithoutSpill(n, (int)slots);
        }
        return slots;
    }

    /**
     * {@link #slotsFor} without the raise against a spill: what the per-segment count alone needs. The directory's
     * depth is chosen by this, so that a segment size too small for the raise keeps a map in one segment, with the
     * slots that fit ({@link #slotsFor(long, int, double, int)}), rather than spreading a few entries over many.
     */
    static long countSlotsFor(final long n, final int segments, final double loadFactor)
    {
        final double mean = (double)n / segments;
        final long fullest = fullestSegmentEntries(n, segments);
        final double maxFill = presizedMaxFill(loadFactor);
        long slots = Math.max(MIN_SEGMENT_SLOTS,
            Math.max((long)Math.ceil(mean / loadFactor), (long)Math.ceil(fullest / maxFill)));
        while (slots < Integer.MAX_VALUE && presizedMaxEntries(slots, fullest, loadFactor) < fullest)
        {
            slots++;
        }
        return slots;
    }

    /**
     * The fewest home slots, {@code from} or more, with which one segment takes {@code n} random keys at a
     * {@link #spillChance} of at most {@link #MAX_SPILL_CHANCE}. Only a segment of under 512 home slots needs more
     * than the load factor gives: its tail is shorter than 64 slots (8 slots up to 71 home slots), and at the load
     * factor its inserts spill past it often, in 0.54% of random fills of 56 keys into 64 slots, where 120 slots
     * make it 10^-12. Full-size segments keep their 64-slot tail and their sizing.
     */
    static int slotsWithoutSpill(final long n, final int from)
    {
        if (spillChance(from, n) <= MAX_SPILL_CHANCE)
        {
            return from;
        }
        // The chance only falls as slots are added (each key's share of the last slots shrinks, the tail grows).
        int low = from;
        int high = 2 * from;
        while (spillChance(high, n) > MAX_SPILL_CHANCE)
        {
            low = high;
            high *= 2;
        }
        while (high - low > 1)
        {
            final int mid = (low + high) >>> 1;
            if (spillChance(mid, n) <= MAX_SPILL_CHANCE)
            {
                high = mid;
            }
            else
            {
                low = mid;
            }
        }
        return high;
    }

    /**
     * An upper bound on the chance that {@code entries} random keys in one segment of {@code capacity} home slots
     * spill past its tail. Keys homed in the last {@code k} home slots can sit only there and in the tail, and they
     * spill exactly when, for some {@code k}, more than {@code k + tail} are homed there: so the bound sums, over
     * {@code k}, the binomial chance of that. Each sum stops once its terms fall below 10^-30; they only fall, as
     * {@code k + tail + 1} is above the mean {@code entries * k / capacity}. For 56 keys in 64 slots it gives 0.022,
     * where 0.54% of random fills spilled; for 7,612 keys in 8,120 it gives 6.6 x 10^-3, where 7.85 x 10^-5 did
     * (bench's {@code SpillSimulation}, {@code bench/results/2026-12-01-spill-simulation.md}).
     */
    static double spillChance(final int capacity, final long entries)
    {
        if (entries >= capacity)
        {
            return 1.0;
        }
        final int n = (int)entries;
        final int tail = Segment.tailFor(capacity);
        final double[] logFactorial = new double[n + 1];
        for (int i = 2; i <= n; i++)
        {
            logFactorial[i] = logFactorial[i - 1] + Math.log(i);
        }
        double chance = 0;
        for (int k = 1; k + tail < n; k++)
        {
            final double p = (double)k / capacity;
            final double logP = Math.log(p);
            final double logQ = Math.log1p(-p);
            for (int j = k + tail + 1; j <= n; j++)
            {
                final double term =
                    Math.exp(logFactorial[n] - logFactorial[j] - logFactorial[n - j] + j * logP + (n - j) * logQ);
                chance += term;
                if (term < 1e-30)
                {
                    break;
                }
            }
        }
        return Math.min(1.0, chance);
    }

    /** The fill limit of a pre-sized segment: its normal limit, raised to take the fullest segment's entries. */
    static int presizedMaxEntries(final long slots, final long fullest, final double loadFactor)
    {
        final int capacity = (int)Math.min(slots, Integer.MAX_VALUE - 1);
        final long ceiling = Math.min(capacity - 1L, (long)Math.floor(capacity * presizedMaxFill(loadFactor)));
        return (int)Math.max(maxEntriesFor(capacity, loadFactor), Math.min(fullest, ceiling));
    }

    private static int slotsFor(final long n, final int segments, final double loadFactor, final int maxSlots)
    {
        return (int)Math.min(slotsFor(n, segments, loadFactor), maxSlots);
    }

    static int depthFor(final long n, final int maxSlots, final double loadFactor)
    {
        for (int depth = 0; depth <= Directory.MAX_DEPTH; depth++)
        {
            if (countSlotsFor(n, 1 << depth, loadFactor) <= maxSlots)
            {
                return depth;
            }
        }
        throw new IllegalStateException("unreachable: expectedEntries was validated");
    }

    /** The largest {@code expectedEntries} that {@code 2^MAX_DEPTH} segments of {@code maxSlots} slots hold. */
    static long maxExpectedEntries(final int maxSlots, final double loadFactor)
    {
        final int segments = 1 << Directory.MAX_DEPTH;
        long low = 0;
        long high = (long)maxEntriesFor(maxSlots, loadFactor) * segments;
        while (low < high)
        {
            final long mid = (low + high + 1) >>> 1;
            if (slotsFor(mid, segments, loadFactor) <= maxSlots)
            {
                low = mid;
            }
            else
            {
                high = mid - 1;
            }
        }
        return low;
    }

    /**
     * Settings for a {@link PresizedDocRefMap}. Each setter validates its argument at once and throws
     * {@link IllegalArgumentException} naming the value and the accepted range.
     * <p>
     * <b>Thread-safety:</b> not thread-safe; build on one thread.
     */
    public static final class Builder
    {
        private long expectedEntries = 0;
        private long missingValue = DEFAULT_MISSING_VALUE;
        private int segmentBytes = DEFAULT_SEGMENT_BYTES;
        private double loadFactor = DEFAULT_LOAD_FACTOR;
        private long hashSeed;
        private boolean hashSeedSet;
        private NativeMemory.RawAllocator rawAllocator = NativeMemory.OFF_HEAP;
        /** Bytes per group of pre-sized segments ({@link HugePages}); -1 until build() takes the default. */
        private long groupBytes = -1;
        /** Whether the {@link BlockPreparer} thread prepares blocks; null until build() reads the property. */
        private Boolean prepareOnThread;
        private Concurrency concurrency = Concurrency.THREAD_SAFE;
        private Growth growth = Growth.FAST;
        private AllocationGuard guard;

        private Builder()
        {
        }

        /**
         * How many entries the map must hold with no allocation after {@link #build()}, except with the small chance
         * that {@link PresizedDocRefMap#withCapacity(long)} gives for the default settings (other
         * {@code segmentBytes} and {@code loadFactor} change it; a higher {@code loadFactor} raises it). Default 0:
         * the map starts as one small segment and grows.
         *
         * @param expectedEntries 0 or more, and at most what 2^30 segments of {@code segmentBytes} hold.
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder expectedEntries(final long expectedEntries)
        {
            if (expectedEntries < 0)
            {
                throw new IllegalArgumentException("expectedEntries must be >= 0 but was " + expectedEntries +
                    "; pass the number of entries you expect the map to hold (0 to start small and grow).");
            }
            this.expectedEntries = expectedEntries;
            return this;
        }

        /**
         * The docRef that marks an absent key: {@code get} returns it on a miss and {@code put} rejects it.
         * Default {@code -1}.
         */
        @Contract("_ -> this")
        public @NotNull Builder missingValue(final long missingValue)
        {
            this.missingValue = missingValue;
            return this;
        }

        /**
         * Bytes per segment, which bounds the largest allocation growth makes and the work of one split.
         *
         * @param segmentBytes a power of two from {@value #MIN_SEGMENT_BYTES} to {@value #MAX_SEGMENT_BYTES}
         *                     (64 MiB). Default {@value #DEFAULT_SEGMENT_BYTES} (128 KiB).
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder segmentBytes(final int segmentBytes)
        {
            if (segmentBytes < MIN_SEGMENT_BYTES || segmentBytes > MAX_SEGMENT_BYTES ||
                Integer.bitCount(segmentBytes) != 1)
            {
                throw new IllegalArgumentException("segmentBytes must be a power of two from " + MIN_SEGMENT_BYTES +
                    " to " + MAX_SEGMENT_BYTES + " (64 MiB) but was " + segmentBytes + "; for example " +
                    DEFAULT_SEGMENT_BYTES + " (128 KiB, the default).");
            }
            this.segmentBytes = segmentBytes;
            return this;
        }

        /**
         * The fill limit of a segment: a segment holding {@code floor(slots * loadFactor)} entries splits before it
         * takes another key. Higher saves memory and costs longer probes.
         *
         * @param loadFactor strictly between 0 and 1, and high enough that a segment of {@code segmentBytes} holds at
         *                   least 8 entries (checked at {@link #build()}: 0.001 at the default size). Default 0.875.
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder loadFactor(final double loadFactor)
        {
            if (!(loadFactor > 0.0 && loadFactor < 1.0))
            {
                throw new IllegalArgumentException("loadFactor must be strictly between 0 and 1 but was " +
                    loadFactor + "; for example " + DEFAULT_LOAD_FACTOR + " (the default).");
            }
            this.loadFactor = loadFactor;
            return this;
        }

        /**
         * The seed mixed into every key. Default: random per map, so an adversary cannot choose keys that collide.
         * Fix it only for reproducible tests and benchmarks.
         */
        @Contract("_ -> this")
        public @NotNull Builder hashSeed(final long hashSeed)
        {
            this.hashSeed = hashSeed;
            this.hashSeedSet = true;
            return this;
        }

        /**
         * Whether the map may be used by several threads at once. Default {@link Concurrency#THREAD_SAFE}.
         * {@link Concurrency#SINGLE_THREADED} skips the segment locks, and the seqlock stamps on writes and reads.
         */
        @Contract("_ -> this")
        public @NotNull Builder concurrency(final @NotNull Concurrency concurrency)
        {
            if (concurrency == null)
            {
                throw new IllegalArgumentException("concurrency must be THREAD_SAFE or SINGLE_THREADED but was " +
                    "null; leave it unset for the default, THREAD_SAFE.");
            }
            this.concurrency = concurrency;
            return this;
        }

        /**
         * How the map grows past {@code expectedEntries}. Default {@link Growth#FAST}; {@link Growth#COMPACT} holds
         * a grown map at 23-25 bytes per entry at every size, for growing puts about 1.5 times slower, and needs
         * {@code segmentBytes} of at most 1 MiB (checked at {@link #build()}).
         */
        @Contract("_ -> this")
        public @NotNull Builder growth(final @NotNull Growth growth)
        {
            if (growth == null)
            {
                throw new IllegalArgumentException("growth must be FAST or COMPACT but was null; leave it unset for " +
                    "the default, FAST.");
            }
            this.growth = growth;
            return this;
        }

        /**
         * The guard every native allocation of the map is shown to before it is made (segments, the up-front
         * allocation of {@code expectedEntries}, blocks kept ready for splits) and the directory's doubling. Each
         * allocation reserves its bytes against the guard's total limit, and each free, and {@code close()},
         * releases them. When the guard blocks a split, the put throws {@link AllocationBlockedException} and the
         * map keeps every entry and stays usable. Default: {@link AllocationGuard#global()}, taken at
         * {@link #build()}.
         *
         * @param guard the guard; shared guards are fine, it is thread-safe.
         * @return this builder.
         */
        @Contract("_ -> this")
        public @NotNull Builder guard(final @NotNull AllocationGuard guard)
        {
            if (guard == null)
            {
                throw new IllegalArgumentException("guard must be an AllocationGuard but was null; leave it unset " +
                    "for the default, AllocationGuard.global().");
            }
            this.guard = guard;
            return this;
        }

        /** Test seam: prepare blocks on the {@link BlockPreparer} thread, or on puts. */
        @Contract("_ -> this")
        @NotNull Builder prepareOnThread(final boolean prepareOnThread)
        {
            this.prepareOnThread = prepareOnThread;
            return this;
        }

        /** Test seam: the bytes of one group of pre-sized segments, 0 for none ({@link HugePages}). */
        @Contract("_ -> this")
        @NotNull Builder groupBytes(final long groupBytes)
        {
            this.groupBytes = groupBytes;
            return this;
        }

        /** Test seam: where raw blocks come from. */
        @Contract("_ -> this")
        @NotNull Builder rawAllocator(final NativeMemory.RawAllocator rawAllocator)
        {
            this.rawAllocator = rawAllocator;
            return this;
        }

        /**
         * Allocate the map: all memory for {@code expectedEntries}, zeroed, in segments of at most
         * {@code segmentBytes}.
         *
         * @throws IllegalArgumentException if {@code expectedEntries} exceeds what the map can address with these
         *                                  settings, {@code loadFactor} leaves a segment fewer than 8 entries, or
         *                                  a {@code docref.*} system property the map reads has a bad value.
         * @throws OutOfMemoryError         if the native memory or the heap for the directory is not available, or
         *                                  the map would exceed the machine's memory and swap; nothing stays
         *                                  allocated.
         * @throws AllocationBlockedException if the {@link #guard guard} blocks the allocation or the directory;
         *                                    nothing stays allocated.
         */
        public @NotNull PresizedDocRefMap build()
        {
            OffHeap.requireValidBoundsCheckProperty();
            final int maxSlots = maxCapacityFor(segmentBytes);
            final int perSegment = maxEntriesFor(maxSlots, loadFactor);
            if (perSegment < MIN_SEGMENT_ENTRIES)
            {
                final double least = Math.ceil(MIN_SEGMENT_ENTRIES * 1000.0 / maxSlots) / 1000.0;
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "loadFactor %s with segmentBytes=%d lets a segment fill only %d of its %d home slots, fewer " +
                    "than the %d entries a segment needs for the map to grow in bounded steps; use a loadFactor of " +
                    "at least %s with this " +
                    "segmentBytes (the default is %s), or larger segmentBytes.", loadFactor, segmentBytes,
                    perSegment, maxSlots, MIN_SEGMENT_ENTRIES, least, DEFAULT_LOAD_FACTOR));
            }
            final long max = maxExpectedEntries(maxSlots, loadFactor);
            if (expectedEntries > max)
            {
                final String largerSegments = segmentBytes < MAX_SEGMENT_BYTES ?
                    "larger segmentBytes (up to " + MAX_SEGMENT_BYTES + "), " : "";
                final String higherLoad = loadFactor < DEFAULT_LOAD_FACTOR ?
                    "a higher loadFactor (the default is " + DEFAULT_LOAD_FACTOR + "), " : "";
                final String fix = "use " + largerSegments + higherLoad +
                    "a smaller expectedEntries, or several maps split by key";
                throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "expectedEntries %,d is more than the %,d a map can address with segmentBytes=%d and " +
                    "loadFactor=%s (2^%d segments); %s.",
                    expectedEntries, max, segmentBytes, loadFactor, Directory.MAX_DEPTH, fix));
            }
            if (growth == Growth.COMPACT && segmentBytes > MAX_CLASS_SEGMENT_BYTES)
            {
                throw new IllegalArgumentException("growth COMPACT needs segmentBytes of at most " +
                    MAX_CLASS_SEGMENT_BYTES + " (1 MiB; its chunks hold 8 segments) but segmentBytes was " +
                    segmentBytes + "; use segmentBytes " + MAX_CLASS_SEGMENT_BYTES + " or less, or growth FAST.");
            }
            // Defaults resolved here and not stored, so that a builder used again reads the properties again.
            return new PresizedDocRefMap(this, groupBytes >= 0 ? groupBytes : HugePages.defaultGroupBytes(),
                prepareOnThread != null ? prepareOnThread : BlockPreparer.enabledByProperty(),
                guard != null ? guard : AllocationGuard.global());
        }
    }

    /**
     * An allocation-free cursor over a map's entries, in no particular order (but for 528 bytes, once, if a segment
     * of a thread-safe map splits under it).
     * <pre>{@code
     * PresizedDocRefMap.Cursor cursor = map.cursor();
     * while (cursor.next()) {
     *     use(cursor.key(), cursor.value());
     * }
     * }</pre>
     * It walks the hash space in order, segment by segment, slot by slot, reading each slot under the segment's
     * seqlock stamp, so every pair it yields was mapped at some moment during the iteration. If the segment it is in
     * splits or grows, it goes on in each segment that replaced it, however often those split again while it reads
     * them, from the slot where the keys it had not reached begin there: the home slot of the first key homed at or
     * after its slot in the replaced segment. A split into two children of the segment's size keeps every entry's
     * home slot, so they are read from the same slot, and entries never move right in it, so nothing already yielded
     * is yielded again because of the split. It misses only entries that sat at or after its slot displaced from a
     * home slot before it (the end of a Robin Hood run crossing the cursor), which the split may move left past it.
     * A grow, and with {@link Growth#COMPACT} a split into smaller segments, changes home slots: it misses only
     * those same entries, and may yield again a few it had yielded, whose new home is the slot it resumes at or who
     * are displaced past it.
     * <p>
     * <b>Thread-safety:</b> a cursor belongs to one thread. On a thread-safe map it is weakly consistent, as the map
     * documents, and never throws because of concurrent writes. When a write changes the segment it is reading
     * between two {@link #next()} calls, it goes on right after the entry it last yielded (found again by its key),
     * or, if that entry was removed, from the slot it had, into which a remove moves the next entry: so removing
     * each entry as it is yielded visits every entry once. On a single-threaded map, adding or removing entries
     * while a cursor is in use makes its next {@link #next()} throw {@link ConcurrentModificationException}.
     */
    public static final class Cursor
    {
        /** The hash space is walked in units of its top {@value Directory#MAX_DEPTH} bits. */
        private static final long END = 1L << Directory.MAX_DEPTH;
        /**
         * Ranges a split or grow interrupted that can be open at once: each lies inside the one before it and ends
         * before it, so at most one per local depth, 0 to {@value Directory#MAX_DEPTH}.
         */
        private static final int MAX_RESUMES = Directory.MAX_DEPTH + 1;
        /** {@link #yieldedStamp} when there is no entry to resume after: odd, so no stamp read to proceed equals it. */
        private static final long NO_STAMP = 1L;

        private final PresizedDocRefMap map;
        /** Start of the hash range of the segment being read (or to resolve next). */
        private long position;
        /** The segment being read, or {@code null} to resolve the one at {@link #position}. */
        private Segment segment;
        private long segmentEnd;
        private int slot;
        /**
         * Where to resume in segments replaced mid-scan, innermost last: segments starting before
         * {@code resumeEnds[i]} (and at or after the ends before it) start at the home slot of low 32 mixed-key bits
         * {@code resumeFrom[i]}, not at 0. A single position would not do: when the low child of a split splits
         * again under the cursor, its children resume at the cursor's slot in it, while the high child must still
         * resume at its slot in the parent. Allocated the first time a segment is replaced under this cursor, and kept
         * across {@link #reset()}: a pass over a map that nothing splits meanwhile allocates nothing, and a
         * {@code forEach} only its cursor, as before (IterateBenchmark at 1M entries, {@code -prof gc}: 165 and 199
         * bytes per pass with JMH's own, against 182 and 185 before the resume points and fastutil's 103-106).
         */
        private long[] resumeEnds;
        private long[] resumeFrom;
        private int resumes;
        private int expectedModCount;
        /**
         * The stamp of {@link #segment} when the cursor last yielded an entry from it ({@link #key}), or
         * {@link #NO_STAMP}: a different stamp means a write changed the segment since.
         */
        private long yieldedStamp;
        private long key;
        private long value;

        private Cursor(final PresizedDocRefMap map)
        {
            this.map = map;
            reset();
        }

        /**
         * Move back before the first entry.
         *
         * @return this cursor.
         * @throws IllegalStateException if the map is closed.
         */
        public @NotNull Cursor reset()
        {
            map.directory();
            position = 0;
            segment = null;
            slot = 0;
            resumes = 0;
            yieldedStamp = NO_STAMP;
            expectedModCount = map.modCount;
            return this;
        }

        /**
         * Advance to the next entry.
         *
         * @return whether there is one; {@link #key()} and {@link #value()} then return it.
         * @throws ConcurrentModificationException single-threaded map: if it gained or lost entries since
         *                                         {@link #reset()}.
         * @throws IllegalStateException           if the map is closed.
         */
        public boolean next()
        {
            final boolean found = advance();
            Reference.reachabilityFence(this); // keeps the map reachable too; see get
            return found;
        }

        private boolean advance()
        {
            map.directory();
            if (!map.threadSafe && map.modCount != expectedModCount)
            {
                throw new ConcurrentModificationException("PresizedDocRefMap gained or lost entries while a " +
                    "cursor was in use; reset() the cursor to start again, or build the map thread-safe for " +
                    "weakly consistent iteration");
            }
            int spins = 0;
            while (true)
            {
                Segment segment = this.segment;
                if (segment == null)
                {
                    if (position >= END)
                    {
                        return false;
                    }
                    segment = resolve();
                }
                final long stamp = segment.versionAcquire();
                if (stamp == Segment.RETIRED)
                {
                    // Split or grown while we read it: go on in what replaced it from where we are.
                    replacedAt(segment);
                    this.segment = null;
                    continue;
                }
                if ((stamp & 1) != 0)
                {
                    spins = Segment.backOff(spins);
                    continue;
                }
                spins = 0;
                if (stamp != yieldedStamp && yieldedStamp != NO_STAMP && !resumeAfterWrite(segment, stamp))
                {
                    continue;
                }
                final int slot = this.slot;
                if (slot >= segment.limit)
                {
                    position = segmentEnd;
                    this.segment = null;
                    continue;
                }
                final long stored = segment.storedAt(slot);
                final long h = segment.hashAt(slot);
                if (!segment.validate(stamp))
                {
                    continue;
                }
                this.slot = slot + 1;
                if (stored != 0)
                {
                    yieldedStamp = stamp;
                    key = Hashing.unmix(h, map.seed);
                    value = stored ^ map.missingValue;
                    return true;
                }
            }
        }

        /**
         * Remember where to resume in the segments that replaced {@code replaced}, the segment being read, over its
         * range [{@link #position}, {@link #segmentEnd}): the low 32 mixed-key bits from which keys' homes in it were
         * at or after {@link #slot}, so that any capacity maps them to a slot. An open range ending where this one
         * ends is this one's ancestor, whose rest is this range, so this one takes its place; otherwise this range
         * lies inside it and is pushed.
         */
        private void replacedAt(final Segment replaced)
        {
            // ceil(slot * 2^32 / capacity): home(h, capacity) >= slot exactly when low32(h) >= this.
            final long from = (((long)slot << 32) + replaced.capacity - 1) / replaced.capacity;
            if (resumeEnds == null)
            {
                resumeEnds = new long[MAX_RESUMES];
                resumeFrom = new long[MAX_RESUMES];
            }
            final int top = resumes - 1;
            if (top >= 0 && resumeEnds[top] == segmentEnd)
            {
                resumeFrom[top] = from;
                return;
            }
            resumeEnds[top + 1] = segmentEnd;
            resumeFrom[top + 1] = from;
            resumes = top + 2;
        }

        /** Find the segment at {@link #position} in the current directory and where to start reading it. */
        /**
         * After a write changed {@code segment} since the cursor yielded {@link #key} from it: a remove moves the
         * displaced entries after the removed one a slot left, the next into the slot the cursor has passed, and an
         * insert before it moves it right. Goes on right after that entry, found again by its key, or, if it is
         * gone, from the slot it had. Kept out of {@link #advance()}, which runs once per slot and pays one
         * comparison for it: a pass over 1M pre-sized entries took a median 5.35 and 5.22 ms (single-threaded,
         * thread-safe) against 5.29 and 5.09 ms before (IterateBenchmark, 10 forks each, AMD EPYC). The key's hash
         * is not kept at each yield: {@link #key} gives it back here.
         *
         * @return false if a write ran meanwhile; the caller reads the stamp again.
         */
        private boolean resumeAfterWrite(final Segment segment, final long stamp)
        {
            final int index = segment.indexOf(Hashing.mix(key, map.seed));
            if (!segment.validate(stamp))
            {
                return false;
            }
            slot = index >= 0 ? index + 1 : slot - 1;
            yieldedStamp = index >= 0 ? stamp : NO_STAMP;
            return true;
        }

        private Segment resolve()
        {
            final Directory directory = map.directory();
            final int unitShift = Directory.MAX_DEPTH - directory.depth;
            final Segment segment = directory.segmentAt((int)(position >>> unitShift));
            // Segments only ever get finer, so the one found here starts exactly at position.
            segmentEnd = position + (1L << (Directory.MAX_DEPTH - segment.localDepth));
            int resumes = this.resumes;
            while (resumes > 0 && resumeEnds[resumes - 1] <= position)
            {
                resumes--;
            }
            this.resumes = resumes;
            // The home slot of the first low 32 bits not yet reached: the same slot in a segment of the same capacity.
            slot = resumes > 0 ? (int)((resumeFrom[resumes - 1] * segment.capacity) >>> 32) : 0;
            yieldedStamp = NO_STAMP;
            this.segment = segment;
            return segment;
        }

        /** @return the key of the current entry. */
        public long key()
        {
            return key;
        }

        /** @return the docRef of the current entry. */
        public long value()
        {
            return value;
        }
    }
}
