package dev.docref.examples;

import java.util.HashMap;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import dev.docref.core.PresizedDocRefMap;
import dev.docref.guard.ResizeForecast;

import it.unimi.dsi.fastutil.longs.Long2LongOpenHashMap;

/**
 * The feed index the demo replays: a primary key to docRef map written by one ingest thread and read by query
 * threads, in one of the {@link Kind}s the demo compares.
 * <p>
 * The conventional maps are guarded by a {@link ReentrantReadWriteLock} the way a database guards a structure that
 * is not thread-safe: queries take the read lock, the ingest thread the write lock. A put that resizes the map holds
 * the write lock for the whole rehash, so every query waits for it: that is the freeze. {@link PresizedDocRefMap} is
 * used without a lock: its readers are lock-free and never wait for a split.
 * <p>
 * <b>Thread-safety:</b> {@link #put} from one ingest thread at a time; {@link #get} from any thread, concurrently
 * with it; {@link #forecast()} from the ingest thread. <b>Ownership:</b> the index owns its map; {@link #close()}
 * frees the off-heap memory of a docref map and must come after every other thread's last use.
 */
interface FeedIndex extends AutoCloseable
{
    /** What {@link #get} returns for an absent key, and a docRef never stored. */
    long MISSING = -1L;

    /** Maps {@code key} to {@code docRef}; ingest thread only. */
    void put(long key, long docRef);

    /** @return the docRef of {@code key}, or {@link #MISSING}; any thread. */
    long get(long key);

    /** @return entries; exact from the ingest thread. */
    long size();

    /**
     * @return what the next resize allocates and at which size it happens, for a doubling map; {@code null} for a
     * docref map, which never resizes as a whole (each of its native allocations is checked by the guard itself).
     */
    ResizeForecast forecast();

    /** @return native memory held, in bytes; 0 for heap maps. */
    long offHeapBytes();

    /** @return the largest single native allocation made, in bytes; 0 for heap maps. */
    long largestNativeAllocationBytes();

    @Override
    void close();

    /** The maps the demo compares, in the order it runs them. */
    enum Kind
    {
        /** {@code java.util.HashMap<Long, Long>} behind a read-write lock. */
        HASHMAP("hashmap", "java.util.HashMap", "java.util.HashMap<Long, Long> + ReentrantReadWriteLock"),
        /** fastutil {@code Long2LongOpenHashMap} behind a read-write lock. */
        FASTUTIL("fastutil", "fastutil Long2LongOpenHashMap", "fastutil Long2LongOpenHashMap + ReentrantReadWriteLock"),
        /** {@code PresizedDocRefMap} started empty, no lock. */
        DOCREF("docref", "docref PresizedDocRefMap", "PresizedDocRefMap.builder().build(), started empty, no lock"),
        /** {@code PresizedDocRefMap.withCapacity(n)}, no lock. */
        DOCREF_PRESIZED("docref-presized", "docref PresizedDocRefMap, pre-sized",
            "PresizedDocRefMap.withCapacity(entries), no lock");

        /** The name on the command line ({@code --maps}) and in file names. */
        final String id;
        /** The name in the table. */
        final String title;
        /** What exactly runs, for the report. */
        final String description;

        Kind(final String id, final String title, final String description)
        {
            this.id = id;
            this.title = title;
            this.description = description;
        }

        /** @return whether this is one of the conventional maps that double as they grow. */
        boolean doubles()
        {
            return this == HASHMAP || this == FASTUTIL;
        }

        /**
         * @param entries how many keys the phase inserts (used only by the pre-sized kind).
         * @return a new, empty index of this kind.
         */
        FeedIndex create(final long entries)
        {
            switch (this)
            {
                case HASHMAP:
                    return new LockedHashMap();
                case FASTUTIL:
                    return new LockedFastutilMap();
                case DOCREF:
                    return new DocRefIndex(PresizedDocRefMap.builder().missingValue(MISSING).build());
                case DOCREF_PRESIZED:
                    return new DocRefIndex(PresizedDocRefMap.builder().missingValue(MISSING)
                        .expectedEntries(entries).build());
                default:
                    throw new AssertionError(this);
            }
        }

        /**
         * @param id a {@code --maps} name.
         * @return the kind.
         * @throws IllegalArgumentException naming the value and the accepted names.
         */
        static Kind parse(final String id)
        {
            for (final Kind kind : values())
            {
                if (kind.id.equals(id.trim().toLowerCase(Locale.ROOT)))
                {
                    return kind;
                }
            }
            throw new IllegalArgumentException("--maps: unknown map '" + id + "'; accepted: hashmap, fastutil, " +
                "docref, docref-presized");
        }
    }

    /**
     * A map that is not thread-safe behind a {@link ReentrantReadWriteLock}: {@link #get} under the read lock,
     * {@link #put} under the write lock, as a database guards such a structure. A put that resizes holds the write
     * lock for the whole rehash.
     */
    abstract class ReadWriteLocked implements FeedIndex
    {
        private final ReentrantReadWriteLock.ReadLock readLock;
        private final ReentrantReadWriteLock.WriteLock writeLock;

        ReadWriteLocked()
        {
            final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
            this.readLock = lock.readLock();
            this.writeLock = lock.writeLock();
        }

        /** The map's own put; called under the write lock. */
        abstract void putLocked(long key, long docRef);

        /** The map's own get; called under the read lock. */
        abstract long getLocked(long key);

        @Override
        public final void put(final long key, final long docRef)
        {
            writeLock.lock();
            try
            {
                putLocked(key, docRef);
            }
            finally
            {
                writeLock.unlock();
            }
        }

        @Override
        public final long get(final long key)
        {
            readLock.lock();
            try
            {
                return getLocked(key);
            }
            finally
            {
                readLock.unlock();
            }
        }

        @Override
        public long offHeapBytes()
        {
            return 0;
        }

        @Override
        public long largestNativeAllocationBytes()
        {
            return 0;
        }

        @Override
        public void close()
        {
        }
    }

    /** {@code java.util.HashMap<Long, Long>} behind a read-write lock. */
    final class LockedHashMap extends ReadWriteLocked
    {
        private static final boolean COMPRESSED_OOPS = ResizeForecast.compressedOops();

        private final HashMap<Long, Long> map = new HashMap<>();

        @Override
        void putLocked(final long key, final long docRef)
        {
            map.put(key, docRef);
        }

        @Override
        long getLocked(final long key)
        {
            final Long docRef = map.get(key);
            return docRef == null ? MISSING : docRef;
        }

        @Override
        public long size()
        {
            return map.size();
        }

        @Override
        public ResizeForecast forecast()
        {
            return ResizeForecast.hashMap(map.size(), COMPRESSED_OOPS);
        }
    }

    /** fastutil {@code Long2LongOpenHashMap} (load factor 0.75) behind a read-write lock. */
    final class LockedFastutilMap extends ReadWriteLocked
    {
        private final Long2LongOpenHashMap map = new Long2LongOpenHashMap();

        LockedFastutilMap()
        {
            map.defaultReturnValue(MISSING);
        }

        @Override
        void putLocked(final long key, final long docRef)
        {
            map.put(key, docRef);
        }

        @Override
        long getLocked(final long key)
        {
            return map.get(key);
        }

        @Override
        public long size()
        {
            return map.size();
        }

        @Override
        public ResizeForecast forecast()
        {
            return ResizeForecast.openAddressing(map.size(), Long.BYTES, Long.BYTES, 0.75);
        }
    }

    /** {@code PresizedDocRefMap}, thread-safe by default: no lock around it. */
    final class DocRefIndex implements FeedIndex
    {
        private final PresizedDocRefMap map;

        DocRefIndex(final PresizedDocRefMap map)
        {
            this.map = map;
        }

        @Override
        public void put(final long key, final long docRef)
        {
            map.put(key, docRef);
        }

        @Override
        public long get(final long key)
        {
            return map.get(key);
        }

        @Override
        public long size()
        {
            return map.size();
        }

        @Override
        public ResizeForecast forecast()
        {
            return null;
        }

        @Override
        public long offHeapBytes()
        {
            return map.offHeapBytes();
        }

        @Override
        public long largestNativeAllocationBytes()
        {
            return map.largestAllocationBytes();
        }

        @Override
        public void close()
        {
            map.close();
        }
    }
}
