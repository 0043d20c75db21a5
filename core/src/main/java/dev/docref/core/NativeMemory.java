package dev.docref.core;

import java.lang.ref.Cleaner;
import java.util.BitSet;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import dev.docref.guard.AllocationBlockedException;
import dev.docref.guard.AllocationGuard;

/**
 * The allocator seam of one map: every native block the map owns is allocated, accounted and freed here.
 * <p>
 * It records each live block and its size, the total ({@link #offHeapBytes()}) and the largest single allocation
 * ever made ({@link #largestAllocationBytes()}). It is also the state a {@link Cleaner} frees when a map is dropped
 * without {@code close()}, so it holds no reference back to the map.
 * <p>
 * Every allocation is first shown to the map's {@link AllocationGuard}: {@code check} against the single-allocation
 * limit, then {@code reserve} against the total limit; a failed raw allocation releases the reservation again, and
 * every free (including {@link #freeAll()}, on close or from the {@link Cleaner} thread) releases what it frees, so
 * the guard's accounting returns to where it was once the map is closed. A blocked allocation throws
 * {@link AllocationBlockedException} before anything is allocated.
 * <p>
 * <b>Thread-safety:</b> thread-safe (every method locks this object, except that {@link #allocate} calls the guard
 * and the raw allocator outside the lock; allocation is rare: up front, and once per split; the guard and the raw
 * allocators are thread-safe too). <b>Ownership:</b> owns every block it returned until {@link #free(long)} or
 * {@link #freeAll()}.
 */
final class NativeMemory implements Runnable
{
    /**
     * What an allocation is for: the phrase used in error messages, and the guard's {@code what}, fixed text without
     * numbers, because the guard rate-limits its warnings per {@code what}.
     */
    enum Purpose
    {
        WITH_CAPACITY("the up-front allocation of withCapacity", "PresizedDocRefMap withCapacity"),
        SPLIT("a segment split", "PresizedDocRefMap segment split"),
        GROW("growing a small map's only segment", "PresizedDocRefMap segment growth"),
        CLASS_GROW("growing a segment into the next size class", "PresizedDocRefMap segment growth"),
        RESERVE("a block prepared for a later split", "PresizedDocRefMap block reserve");

        final String description;
        final String guardWhat;

        Purpose(final String description, final String guardWhat)
        {
            this.description = description;
            this.guardWhat = guardWhat;
        }
    }

    /** Where raw blocks come from. Production uses {@link OffHeap}; tests inject failures through this seam. */
    interface RawAllocator
    {
        /** @return a block of {@code bytes}, zeroed if {@code zeroed}, else untouched with undefined content. */
        long allocate(long bytes, boolean zeroed);

        void free(long address);
    }

    static final RawAllocator OFF_HEAP = new RawAllocator()
    {
        public long allocate(final long bytes, final boolean zeroed)
        {
            return zeroed ? OffHeap.allocate(bytes) : OffHeap.allocateUntouched(bytes);
        }

        public void free(final long address)
        {
            OffHeap.free(address);
        }
    };

    /** How every {@link OutOfMemoryError} docref makes for a failed allocation starts, native or heap. */
    private static final String ERROR_PREFIX = "docref could not allocate ";

    private static final System.Logger LOGGER = System.getLogger("dev.docref.core.PresizedDocRefMap");

    private final RawAllocator rawAllocator;
    private final AllocationGuard guard;
    private final BlockRegistry blocks = new BlockRegistry();
    /** Blocks allocated by {@link #allocateGroup}, by base address; each is also in {@link #blocks}, whole. */
    private final TreeMap<Long, Group> groups = new TreeMap<>();
    private final String description;
    private long offHeapBytes;
    private long largestAllocationBytes;
    private boolean closedExplicitly;
    /** Threads other than the map's own that are using its blocks right now: the {@link BlockPreparer}. */
    private int pins;
    /** Everything was freed: the map is closed, or was unreachable and cleaned. */
    private boolean freed;

    NativeMemory(final RawAllocator rawAllocator, final AllocationGuard guard, final String description)
    {
        this.rawAllocator = rawAllocator;
        this.guard = guard;
        this.description = description;
    }

    /** @return the guard every allocation of this map is shown to. */
    AllocationGuard guard()
    {
        return guard;
    }

    /**
     * Allocate a block.
     *
     * @param bytes   the size.
     * @param zeroed  zero it (touching every page) now, or leave it untouched with undefined content.
     * @param purpose what it is for, used in the error message.
     * @param context describes the map's current state for the error message; its {@code toString()} is called only
     *                on failure, so callers pass the map itself rather than building a string on every allocation.
     * @return the address.
     * @throws AllocationBlockedException when the guard blocks it; nothing is changed.
     * @throws OutOfMemoryError           naming the size and purpose when the operating system refuses; nothing is
     *                                    changed.
     */
    long allocate(final long bytes, final boolean zeroed, final Purpose purpose, final Object context)
    {
        // The guard is thread-safe, and the raw allocation runs outside this object's lock: a slow malloc (up to
        // 24 ms was seen) on the BlockPreparer thread must not hold up the map's own thread allocating or freeing.
        // Nothing can free everything meanwhile: close() needs the map's threads done, and the preparer pins.
        final String what = purpose.guardWhat;
        guard.check(bytes, what);
        guard.reserve(bytes, what);
        final long address;
        try
        {
            address = rawAllocator.allocate(bytes, zeroed);
        }
        catch (final RuntimeException ex)
        {
            guard.release(bytes);
            throw ex;
        }
        catch (final OutOfMemoryError ex)
        {
            guard.release(bytes);
            final String outcome = purpose == Purpose.WITH_CAPACITY ?
                "nothing stays allocated. Free native memory, or ask for fewer entries." :
                "the map is unchanged and still usable. Free native memory, or pre-size the map with " +
                    "withCapacity(n) so that growth needs no allocation.";
            final OutOfMemoryError error = new OutOfMemoryError(ERROR_PREFIX + formatBytes(bytes) +
                " of native memory for " + purpose.description + " (" + context + "); " + outcome);
            error.initCause(ex);
            throw error;
        }
        register(address, bytes);
        return address;
    }

    /** Whether {@code error} is docref's own report of a failed allocation, rather than the JVM's bare one. */
    static boolean isDocrefError(final OutOfMemoryError error)
    {
        final String message = error.getMessage();
        return message != null && message.startsWith(ERROR_PREFIX);
    }

    private synchronized void register(final long address, final long bytes)
    {
        blocks.add(address, bytes);
        offHeapBytes += bytes;
        largestAllocationBytes = Math.max(largestAllocationBytes, bytes);
    }

    /**
     * Allocate {@code pieces} blocks of {@code pieceBytes} as one block, so that the operating system can back it with
     * huge pages ({@link HugePages}). Each piece is then freed on its own through {@link #free(long)}; the block is
     * returned to the operating system, and leaves {@link #offHeapBytes()}, when its last piece is freed.
     *
     * @return the address of the first piece; piece {@code i} is at {@code address + i * pieceBytes}.
     */
    synchronized long allocateGroup(final long pieceBytes, final int pieces, final boolean zeroed,
        final Purpose purpose, final Object context)
    {
        final long address = allocate(pieceBytes * pieces, zeroed, purpose, context);
        groups.put(address, new Group(pieceBytes, pieces));
        return address;
    }

    synchronized void free(final long address)
    {
        if (!groups.isEmpty())
        {
            final Map.Entry<Long, Group> group = groups.floorEntry(address);
            if (group != null && address - group.getKey() < group.getValue().bytes())
            {
                freePiece(group.getKey(), group.getValue(), address);
                return;
            }
        }
        final long bytes = blocks.remove(address);
        if (bytes == -1L)
        {
            throw new IllegalStateException("docref internal error: block " + address + " is not owned by " +
                description);
        }
        offHeapBytes -= bytes;
        rawAllocator.free(address);
        guard.release(bytes);
    }

    private void freePiece(final long base, final Group group, final long address)
    {
        final long offset = address - base;
        final int piece = (int)(offset / group.pieceBytes);
        if (offset % group.pieceBytes != 0 || group.freed.get(piece))
        {
            throw new IllegalStateException("docref internal error: " + address + " is not a live piece of the " +
                group.pieces + " x " + group.pieceBytes + " byte group at " + base + " owned by " + description);
        }
        group.freed.set(piece);
        if (group.freed.cardinality() == group.pieces)
        {
            groups.remove(base);
            final long bytes = blocks.remove(base);
            offHeapBytes -= bytes;
            rawAllocator.free(base);
            guard.release(bytes);
        }
    }

    /** Groups not yet returned, for tests. */
    synchronized int liveGroups()
    {
        return groups.size();
    }

    synchronized long offHeapBytes()
    {
        return offHeapBytes;
    }

    synchronized long largestAllocationBytes()
    {
        return largestAllocationBytes;
    }

    /**
     * Keep every block from being freed by {@link #run()} until {@link #unpin()}: for a thread other than the map's
     * callers (the {@link BlockPreparer}) that allocates and touches a block while the map may be closing.
     *
     * @return false, pinning nothing, if the memory is already freed.
     */
    synchronized boolean pin()
    {
        if (freed)
        {
            return false;
        }
        pins++;
        return true;
    }

    synchronized void unpin()
    {
        if (--pins == 0)
        {
            notifyAll();
        }
    }

    /**
     * Free every block: called through the {@link Cleaner} by {@code close()} or when the map is unreachable. Waits
     * first for a pinned preparation to end (one allocation and one block's page faults).
     */
    public synchronized void run()
    {
        boolean interrupted = false;
        while (pins > 0)
        {
            try
            {
                wait();
            }
            catch (final InterruptedException ex)
            {
                interrupted = true;
            }
        }
        if (interrupted)
        {
            Thread.currentThread().interrupt();
        }
        freed = true;
        if (!closedExplicitly && blocks.size() != 0)
        {
            LOGGER.log(System.Logger.Level.WARNING,
                "docref: a " + description + " holding " + formatBytes(offHeapBytes) + " of native memory in " +
                blocks.size() + " blocks became unreachable without close(); freed it now. Close every " +
                "map (try-with-resources) so its memory is returned when you choose, not when the GC runs.");
        }
        freeAll();
    }

    synchronized void markClosedExplicitly()
    {
        closedExplicitly = true;
    }

    private void freeAll()
    {
        groups.clear();
        blocks.drain((address, bytes) -> rawAllocator.free(address));
        final long freed = offHeapBytes;
        offHeapBytes = 0;
        guard.release(freed);
    }

    /** One block of equal pieces, freed piece by piece. */
    private static final class Group
    {
        final long pieceBytes;
        final int pieces;
        final BitSet freed;

        Group(final long pieceBytes, final int pieces)
        {
            this.pieceBytes = pieceBytes;
            this.pieces = pieces;
            this.freed = new BitSet(pieces);
        }

        long bytes()
        {
            return pieceBytes * pieces;
        }
    }

    static String formatBytes(final long bytes)
    {
        if (bytes < 1024)
        {
            return bytes + " B";
        }
        final String[] units = { "KiB", "MiB", "GiB", "TiB", "PiB", "EiB" };
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1)
        {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.2f %s", value, units[unit]);
    }
}
