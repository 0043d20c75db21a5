package dev.docref.core;

import org.agrona.collections.Long2LongHashMap;

/**
 * The set of native blocks one map owns, with each block's size, kept so that they can all be freed at close or by
 * the {@link java.lang.ref.Cleaner}.
 * <p>
 * Why sharded: a single hash map of all blocks would itself double as the map grows, and at a billion entries
 * (262,144 blocks) that doubling is an 8 MiB array rehashed inside one put: the very allocation docref exists to
 * avoid. With {@value #SHARDS} shards, each created on first use, the largest array any shard allocates at a billion
 * entries is 256 KiB (2^15 slots of two longs), and a rehash touches one shard's 1,024 entries.
 * <p>
 * <b>Thread-safety:</b> not thread-safe; {@link NativeMemory} locks around every call. <b>Ownership:</b> records
 * addresses only; it allocates and frees no native memory.
 */
final class BlockRegistry
{
    static final int SHARDS = 256;
    private static final long MISSING = -1L;

    private final Long2LongHashMap[] shards = new Long2LongHashMap[SHARDS];
    private int size;

    /** Record a block of {@code bytes} at {@code address}. */
    void add(final long address, final long bytes)
    {
        final int shard = shardOf(address);
        Long2LongHashMap blocks = shards[shard];
        if (blocks == null)
        {
            blocks = new Long2LongHashMap(MISSING);
            shards[shard] = blocks;
        }
        blocks.put(address, bytes);
        size++;
    }

    /** @return the size of the block at {@code address}, now forgotten, or -1 if it was not recorded. */
    long remove(final long address)
    {
        final Long2LongHashMap blocks = shards[shardOf(address)];
        if (blocks == null)
        {
            return MISSING;
        }
        final long bytes = blocks.remove(address);
        if (bytes != MISSING)
        {
            size--;
        }
        return bytes;
    }

    int size()
    {
        return size;
    }

    /** Call {@code action} with every block, then forget them all. */
    void drain(final org.agrona.collections.LongLongConsumer action)
    {
        for (int i = 0; i < SHARDS; i++)
        {
            final Long2LongHashMap blocks = shards[i];
            if (blocks != null)
            {
                blocks.forEachLong(action);
                shards[i] = null;
            }
        }
        size = 0;
    }

    /** Blocks are page-aligned or malloc-aligned: mix the address so shards fill evenly. */
    private static int shardOf(final long address)
    {
        return (int)((address * 0x9E3779B97F4A7C15L) >>> 56);
    }
}
