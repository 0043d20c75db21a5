package dev.docref.bench;

import java.util.HashMap;
import java.util.function.BiConsumer;

import dev.docref.core.Concurrency;
import dev.docref.core.Growth;
import dev.docref.core.PresizedDocRefMap;
import it.unimi.dsi.fastutil.HashCommon;
import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;
import it.unimi.dsi.fastutil.longs.LongLongBiConsumer;
import org.agrona.collections.Long2LongHashMap;
import org.agrona.collections.LongLongConsumer;

/**
 * The one interface the harnesses drive every map through, so each map runs the same loop. Every implementation
 * returns {@link #MISSING} for an absent key. {@code final} classes and a megamorphic-free call site per JVM (each
 * harness child and each JMH fork runs exactly one map kind) keep the adapter from costing anything measurable:
 * the JIT sees one receiver class at every call site and inlines it behind a class check.
 * <p>
 * The adapters add no locking: each is exactly as thread-safe as the map it wraps (only {@link Kind#PRESIZED} is;
 * the harnesses put a lock around the others where threads share a map). {@link #close()} frees native memory where
 * the map has any.
 */
public interface LongMap extends AutoCloseable
{
    long MISSING = -1L;

    /** Insert or replace, by the cheapest call the map offers (some maps cannot return the previous value free). */
    void set(long key, long value);

    long get(long key);

    /**
     * {@code values[i] = get(keys[i])} for {@code i} in {@code [from, to)}, returning how many were found: docref's
     * {@code getAll}, a loop of {@link #get} for every other map (none has a batched get).
     */
    default int getAll(final long[] keys, final int from, final int to, final long[] values)
    {
        int found = 0;
        for (int i = from; i < to; i++)
        {
            final long value = get(keys[i]);
            values[i] = value;
            found += value != MISSING ? 1 : 0;
        }
        return found;
    }

    long remove(long key);

    long size();

    /** Remove every entry and keep the capacity, so that the map is pre-sized again for what it held. */
    void clear();

    /**
     * Visit every entry through the map's own allocation-free primitive {@code forEach} (for
     * {@code java.util.HashMap}, its boxed {@code forEach}) and return {@link Checksum#of(long, long)} summed over
     * the entries, which {@link Keys} computes independently to check the visit.
     */
    long entryChecksum();

    /** Native memory held, in bytes; 0 for on-heap maps. */
    default long offHeapBytes()
    {
        return 0;
    }

    /** Largest single native allocation, in bytes; 0 for on-heap maps (their allocations are measured by JFR). */
    default long largestNativeAllocationBytes()
    {
        return 0;
    }

    /**
     * Segments of a segmented map (docref), 0 for the others: {@link GrowthPauseHarness} reads it around each put to
     * tell the puts that split a segment from those that did not.
     */
    default int segmentCount()
    {
        return 0;
    }

    default void close()
    {
    }

    /** The maps compared, by the name used on command lines and in tables. */
    enum Kind
    {
        /** {@code PresizedDocRefMap} as users get it by default: thread-safe. */
        PRESIZED("docref PresizedDocRefMap"),
        /** {@code PresizedDocRefMap} built with {@code concurrency(Concurrency.SINGLE_THREADED)}. */
        PRESIZED_ST("docref PresizedDocRefMap (single-threaded)"),
        /** {@code PresizedDocRefMap} built with {@code growth(Growth.COMPACT)}: thread-safe, grows by size classes. */
        PRESIZED_COMPACT("docref PresizedDocRefMap (compact growth)"),
        FASTUTIL("fastutil Long2LongOpenHashMap"),
        AGRONA("Agrona Long2LongHashMap"),
        HPPC("HPPC LongLongHashMap"),
        ECLIPSE("Eclipse Collections LongLongHashMap"),
        HASHMAP("java.util.HashMap<Long,Long>");

        public final String title;

        Kind(final String title)
        {
            this.title = title;
        }

        /** Every kind's {@link #id()}, in order, joined by {@code separator}: the maps a usage text lists. */
        public static String ids(final String separator)
        {
            final java.util.StringJoiner ids = new java.util.StringJoiner(separator);
            for (final Kind kind : values())
            {
                ids.add(kind.id());
            }
            return ids.toString();
        }

        /** The lower-case name used on command lines and as the JMH {@code kind} parameter. */
        public String id()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** A map of this kind that starts empty ({@code expected == 0}) or is pre-sized for {@code expected}. */
        public LongMap create(final long expected)
        {
            return create(expected, Double.NaN, 0);
        }

        /**
         * A map of this kind, pre-sized for {@code expected} entries ({@code 0}: empty) with the given load factor.
         * <p>
         * A load factor is the fill at which a map grows; it does not fix the fill it runs at. Maps with power-of-two
         * tables round their table up, so at most sizes they run well below it: fastutil pre-sized for 10M entries
         * at its default 0.75 gets 2^24 slots and runs 60% full. To compare maps at the same fill, pick a size just
         * under a power of two times the factor, e.g. 7,340,032 = 0.875 * 2^23 with {@code 0.875}.
         *
         * @param loadFactor   the map's load factor, or {@code NaN} for the map's own default.
         * @param segmentBytes docref's {@code segmentBytes}, or 0 for the default; other maps have no segments and
         *                     ignore it.
         * @throws IllegalArgumentException for Eclipse Collections with a load factor: its constructor takes none; for
         *                                  Agrona pre-sized for more than its largest table (2^29 slots) holds.
         */
        public LongMap create(final long expected, final double loadFactor, final int segmentBytes)
        {
            final int n = (int)Math.min(expected, Integer.MAX_VALUE - 16);
            final boolean dflt = Double.isNaN(loadFactor);
            final double docrefFactor = dflt ? PresizedDocRefMap.DEFAULT_LOAD_FACTOR : loadFactor;
            final int docrefSegmentBytes = segmentBytes == 0 ? PresizedDocRefMap.DEFAULT_SEGMENT_BYTES : segmentBytes;
            switch (this)
            {
                case PRESIZED:
                    return new Presized(PresizedDocRefMap.builder().expectedEntries(expected)
                        .loadFactor(docrefFactor).segmentBytes(docrefSegmentBytes).build());
                case PRESIZED_ST:
                    return new Presized(PresizedDocRefMap.builder().expectedEntries(expected)
                        .loadFactor(docrefFactor).segmentBytes(docrefSegmentBytes)
                        .concurrency(Concurrency.SINGLE_THREADED).build());
                case PRESIZED_COMPACT:
                    return new Presized(PresizedDocRefMap.builder().expectedEntries(expected)
                        .loadFactor(docrefFactor).segmentBytes(docrefSegmentBytes).growth(Growth.COMPACT).build());
                case FASTUTIL:
                {
                    final float f = dflt ? Long2LongOpenHashMap.DEFAULT_LOAD_FACTOR : (float)loadFactor;
                    return new Fastutil(new Long2LongOpenHashMap(n == 0 ? Long2LongOpenHashMap.DEFAULT_INITIAL_SIZE :
                        n, f));
                }
                case AGRONA:
                {
                    // Agrona's initialCapacity is table slots, not entries: it resizes at capacity * loadFactor, so
                    // a map pre-sized for n entries needs n / loadFactor slots (rounded up to a power of two).
                    // Its largest table is 2^29 slots, one array of 2^30 longs; it holds (int)(slots * f) entries,
                    // computed in float as Agrona does; the cap keeps n / f, computed in double, within that table.
                    final float f = dflt ? org.agrona.collections.Hashing.DEFAULT_LOAD_FACTOR : (float)loadFactor;
                    final long most = (int)((1 << 29) * f);
                    if (expected > most)
                    {
                        throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "Agrona " +
                            "Long2LongHashMap cannot be pre-sized for %,d entries: it holds at most %,d entries at " +
                            "load factor %s, in its largest table of 2^29 slots (one array of 2^30 longs); ask for " +
                            "at most %,d entries, or leave agrona out of the maps", expected, most, f, most));
                    }
                    return new Agrona(n == 0 ? new Long2LongHashMap(8, f, MISSING) :
                        new Long2LongHashMap((int)Math.min(Math.ceil(n / (double)f), 1 << 29), f, MISSING));
                }
                case HPPC:
                {
                    final double f = dflt ? com.carrotsearch.hppc.HashContainers.DEFAULT_LOAD_FACTOR : loadFactor;
                    // 4: HPPC's default expected size, as its no-argument constructor uses.
                    return new Hppc(new com.carrotsearch.hppc.LongLongHashMap(n == 0 ? 4 : n, f));
                }
                case ECLIPSE:
                    if (!dflt)
                    {
                        throw new IllegalArgumentException("Eclipse Collections LongLongHashMap takes no load " +
                            "factor (it was asked for " + loadFactor + "); leave the load factor at the default " +
                            "or leave eclipse out of the maps");
                    }
                    return new Eclipse(n == 0 ?
                        new org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap() :
                        new org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap(n));
                case HASHMAP:
                {
                    final float f = dflt ? 0.75f : (float)loadFactor;
                    return new JavaHashMap(n == 0 ? new HashMap<>(16, f) : new HashMap<>((int)Math.min(n / f + 1,
                        1 << 30), f));
                }
                default:
                    throw new IllegalArgumentException(name());
            }
        }

        /**
         * A floor of the heap this map holds for {@code entries} keys at its default load factor, in HotSpot's
         * default layout (compressed oops and class pointers, under 32 GiB): 16 bytes a table slot for fastutil, HPPC
         * and Agrona, 16 bytes an entry for Eclipse Collections, and for java.util.HashMap a 32-byte node, two 24-byte
         * {@code Long}s and 4 bytes a table slot, 85.3 bytes an entry at 0.75 (85.5 measured:
         * bench/results/2026-11-29-memory.md). A map that {@code grew} from empty held its last two tables at once
         * while it rehashed, counted for fastutil, whose table size is exact here (at 100M keys 4 GiB and 2 GiB).
         * docref's maps are off-heap: 0. The harnesses refuse a heap below their keys and this before anything runs.
         */
        public long minHeapBytes(final long entries, final boolean grew)
        {
            switch (this)
            {
                case FASTUTIL:
                {
                    final long slots =
                        HashCommon.bigArraySize(entries, it.unimi.dsi.fastutil.Hash.DEFAULT_LOAD_FACTOR) + 1;
                    final long initial = HashCommon.arraySize(it.unimi.dsi.fastutil.Hash.DEFAULT_INITIAL_SIZE,
                        it.unimi.dsi.fastutil.Hash.DEFAULT_LOAD_FACTOR) + 1;
                    return 16 * slots + (!grew || slots <= initial ? 0 : 16 * (slots / 2 + 1));
                }
                case HPPC:
                    return (long)Math.ceil(16 * entries / com.carrotsearch.hppc.HashContainers.DEFAULT_LOAD_FACTOR);
                case AGRONA:
                    return (long)Math.ceil(16 * entries / (double)org.agrona.collections.Hashing.DEFAULT_LOAD_FACTOR);
                case ECLIPSE:
                    return 16 * entries;
                case HASHMAP:
                    // Less the values 0 to 127, which Long.valueOf takes from its cache.
                    return (32 + 24 + 24) * entries - 24 * Math.min(128, entries) + (long)Math.ceil(4 * entries / 0.75);
                default:
                    return 0;
            }
        }

        /** Whether the map's constructor takes a load factor: all do but Eclipse Collections'. */
        public boolean takesLoadFactor()
        {
            return this != ECLIPSE;
        }

        /** Whether the map may be read and written by several threads at once without a lock around it. */
        public boolean threadSafe()
        {
            return this == PRESIZED || this == PRESIZED_COMPACT;
        }

        public static Kind parse(final String name)
        {
            for (final Kind kind : values())
            {
                if (kind.name().equalsIgnoreCase(name))
                {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown map '" + name + "'; choose from " + ids(", "));
        }
    }

    final class Presized implements LongMap
    {
        private final Checksum checksum = new Checksum();
        final PresizedDocRefMap map;

        Presized(final PresizedDocRefMap map)
        {
            this.map = map;
        }

        public void set(final long key, final long value)
        {
            map.put(key, value);
        }

        public long get(final long key)
        {
            return map.get(key);
        }

        @Override
        public int getAll(final long[] keys, final int from, final int to, final long[] values)
        {
            return map.getAll(keys, from, to, values);
        }

        @Override
        public int segmentCount()
        {
            return map.segmentCount();
        }

        public long remove(final long key)
        {
            return map.remove(key);
        }

        public long size()
        {
            return map.size();
        }

        public void clear()
        {
            map.clear();
        }

        public long entryChecksum()
        {
            final Checksum checksum = this.checksum;
            checksum.sum = 0;
            map.forEach(checksum);
            return checksum.sum;
        }

        public long offHeapBytes()
        {
            return map.offHeapBytes();
        }

        public long largestNativeAllocationBytes()
        {
            return map.largestAllocationBytes();
        }

        public void close()
        {
            map.close();
        }
    }

    /** Not final only so that tests can break one operation of a real map; the benchmarks load no subclass. */
    class Fastutil implements LongMap
    {
        private final Checksum checksum = new Checksum();
        final Long2LongOpenHashMap map;

        Fastutil(final Long2LongOpenHashMap map)
        {
            this.map = map;
            map.defaultReturnValue(MISSING);
        }

        public void set(final long key, final long value)
        {
            map.put(key, value);
        }

        public long get(final long key)
        {
            return map.get(key);
        }

        public long remove(final long key)
        {
            return map.remove(key);
        }

        public long size()
        {
            return map.size();
        }

        public void clear()
        {
            map.clear();
        }

        public long entryChecksum()
        {
            final Checksum checksum = this.checksum;
            checksum.sum = 0;
            map.forEach(checksum);
            return checksum.sum;
        }
    }

    final class Agrona implements LongMap
    {
        private final Checksum checksum = new Checksum();
        final Long2LongHashMap map;

        Agrona(final Long2LongHashMap map)
        {
            this.map = map;
        }

        public void set(final long key, final long value)
        {
            map.put(key, value);
        }

        public long get(final long key)
        {
            return map.get(key);
        }

        public long remove(final long key)
        {
            return map.remove(key);
        }

        public long size()
        {
            return map.size();
        }

        public void clear()
        {
            map.clear();
        }

        public long entryChecksum()
        {
            final Checksum checksum = this.checksum;
            checksum.sum = 0;
            map.forEachLong(checksum);
            return checksum.sum;
        }
    }

    final class Hppc implements LongMap
    {
        private final Checksum checksum = new Checksum();
        final com.carrotsearch.hppc.LongLongHashMap map;

        Hppc(final com.carrotsearch.hppc.LongLongHashMap map)
        {
            this.map = map;
        }

        public void set(final long key, final long value)
        {
            map.put(key, value);
        }

        public long get(final long key)
        {
            return map.getOrDefault(key, MISSING);
        }

        public long remove(final long key)
        {
            final int index = map.indexOf(key);
            return map.indexExists(index) ? map.indexRemove(index) : MISSING;
        }

        public long size()
        {
            return map.size();
        }

        public void clear()
        {
            map.clear();
        }

        public long entryChecksum()
        {
            final Checksum checksum = this.checksum;
            checksum.sum = 0;
            map.forEach(checksum);
            return checksum.sum;
        }
    }

    final class Eclipse implements LongMap
    {
        private final Checksum checksum = new Checksum();
        final org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap map;

        Eclipse(final org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap map)
        {
            this.map = map;
        }

        public void set(final long key, final long value)
        {
            map.put(key, value);
        }

        public long get(final long key)
        {
            return map.getIfAbsent(key, MISSING);
        }

        public long remove(final long key)
        {
            return map.removeKeyIfAbsent(key, MISSING);
        }

        public long size()
        {
            return map.size();
        }

        public void clear()
        {
            map.clear();
        }

        public long entryChecksum()
        {
            final Checksum checksum = this.checksum;
            checksum.sum = 0;
            map.forEachKeyValue(checksum);
            return checksum.sum;
        }
    }

    final class JavaHashMap implements LongMap
    {
        private final BoxedChecksum checksum = new BoxedChecksum();
        final HashMap<Long, Long> map;

        JavaHashMap(final HashMap<Long, Long> map)
        {
            this.map = map;
        }

        public void set(final long key, final long value)
        {
            map.put(key, value);
        }

        public long get(final long key)
        {
            final Long value = map.get(key);
            return value == null ? MISSING : value;
        }

        public long remove(final long key)
        {
            final Long value = map.remove(key);
            return value == null ? MISSING : value;
        }

        public long size()
        {
            return map.size();
        }

        public void clear()
        {
            map.clear();
        }

        public long entryChecksum()
        {
            final BoxedChecksum checksum = this.checksum;
            checksum.sum = 0;
            map.forEach(checksum);
            return checksum.sum;
        }
    }

    /**
     * The accumulator every primitive map's {@link #entryChecksum()} passes to its {@code forEach}: one instance per
     * adapter, so iterating allocates nothing. It implements each library's primitive consumer interface; in one JVM
     * only one of them is ever called.
     */
    final class Checksum implements LongLongConsumer, LongLongBiConsumer,
        com.carrotsearch.hppc.procedures.LongLongProcedure,
        org.eclipse.collections.api.block.procedure.primitive.LongLongProcedure
    {
        private static final long serialVersionUID = 1L;

        long sum;

        /** One entry's contribution: order-independent when summed, and sensitive to both key and value. */
        static long of(final long key, final long value)
        {
            return key * 31 + value;
        }

        public void accept(final long key, final long value)
        {
            sum += of(key, value);
        }

        public void apply(final long key, final long value)
        {
            sum += of(key, value);
        }

        public void value(final long key, final long value)
        {
            sum += of(key, value);
        }

    }

    /** {@link Checksum} for {@code java.util.HashMap}'s boxed {@code forEach}; unboxing allocates nothing. */
    final class BoxedChecksum implements BiConsumer<Long, Long>
    {
        long sum;

        public void accept(final Long key, final Long value)
        {
            sum += Checksum.of(key, value);
        }
    }
}
