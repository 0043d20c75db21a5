package dev.docref.bench;

import java.util.HashMap;
import java.util.function.BiConsumer;

import dev.docref.core.Concurrency;
import dev.docref.core.PresizedDocRefMap;
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

        /** The lower-case name used on command lines and as the JMH {@code kind} parameter. */
        public String id()
        {
            return name().toLowerCase(java.util.Locale.ROOT);
        }

        /** A map of this kind that starts empty ({@code expected == 0}) or is pre-sized for {@code expected}. */
        public LongMap create(final long expected)
        {
            final int n = (int)Math.min(expected, Integer.MAX_VALUE - 16);
            switch (this)
            {
                case PRESIZED:
                    return new Presized(PresizedDocRefMap.withCapacity(expected));
                case PRESIZED_ST:
                    return new Presized(PresizedDocRefMap.builder().expectedEntries(expected)
                        .concurrency(Concurrency.SINGLE_THREADED).build());
                case FASTUTIL:
                    return new Fastutil(n == 0 ? new Long2LongOpenHashMap() : new Long2LongOpenHashMap(n));
                case AGRONA:
                    // Agrona's initialCapacity is table slots, not entries: it resizes at capacity * loadFactor, so
                    // a map pre-sized for n entries needs n / loadFactor slots (rounded up to a power of two).
                    return new Agrona(n == 0 ? new Long2LongHashMap(MISSING) : new Long2LongHashMap(
                        (int)Math.min(Math.ceil(n / (double)org.agrona.collections.Hashing.DEFAULT_LOAD_FACTOR),
                            1 << 30), org.agrona.collections.Hashing.DEFAULT_LOAD_FACTOR, MISSING));
                case HPPC:
                    return new Hppc(n == 0 ? new com.carrotsearch.hppc.LongLongHashMap() :
                        new com.carrotsearch.hppc.LongLongHashMap(n));
                case ECLIPSE:
                    return new Eclipse(n == 0 ? new org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap() :
                        new org.eclipse.collections.impl.map.mutable.primitive.LongLongHashMap(n));
                case HASHMAP:
                    return new JavaHashMap(n == 0 ? new HashMap<>() : new HashMap<>((int)Math.min(n / 0.75 + 1, 1 << 30)));
                default:
                    throw new IllegalArgumentException(name());
            }
        }

        /** Whether the map may be read and written by several threads at once without a lock around it. */
        public boolean threadSafe()
        {
            return this == PRESIZED;
        }

        public static Kind parse(final String name)
        {
            final java.util.StringJoiner names = new java.util.StringJoiner(", ");
            for (final Kind kind : values())
            {
                if (kind.name().equalsIgnoreCase(name))
                {
                    return kind;
                }
                names.add(kind.id());
            }
            throw new IllegalArgumentException("unknown map '" + name + "'; choose from " + names);
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

    final class Fastutil implements LongMap
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
    final class Checksum implements LongLongConsumer, LongLongBiConsumer, com.carrotsearch.hppc.procedures.LongLongProcedure,
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
