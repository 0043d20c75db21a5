package dev.docref.core;

/**
 * Blocks of whole pages carved from chunks of {@value #CHUNK_PAGES} pages that stay allocated while the map is open,
 * so that the block a segment of one size class retires can be reused by a segment of any other class.
 * <p>
 * Why chunks and not one allocation per block: a thread-safe map never frees a retired block while it is open (a
 * reader may still be reading it), so it must reuse it; with segments in size classes the blocks one half of a
 * growth wave retires are of the class the other half does not need. Carving blocks from chunks lets a retired block
 * go back to its chunk at once, coalesce with free neighbours and serve any class. At the default 128 KiB segments a
 * page is 16 KiB and a chunk 1 MiB. {@code GrowthMemoryModel} (bench) puts the holes between live blocks at 17-20%
 * of the arena at the top of a class wave; smaller chunks fragment more, larger ones waste more in small maps (see
 * {@code design.md}, Growth).
 * <p>
 * <b>Policy:</b> first fit, oldest chunk first: a block goes at the lowest free run that holds it in the chunk that
 * came first. That is address-ordered first fit over the chunks as if each new one lay above the last, which is
 * what {@code GrowthMemoryModel} (bench) models; ordering by the chunks' real addresses would make a map's memory
 * depend on where the C allocator happens to place them ({@code mmap} tends to hand them out downwards, and what the
 * process freed before moves them). A chunk's free pages are the set bits of one {@code long}, so neighbouring free
 * pages coalesce by construction, and finding the lowest run of {@code n} free pages in a chunk is {@code n - 1}
 * shifts and one count of trailing zeros. A new chunk is allocated only when no chunk has such a run. Chunks are
 * never freed while the map is open. A second index, sorted by address, finds the chunk a freed block belongs to.
 * <p>
 * <b>Memory safety:</b> a freed block stays inside a chunk that stays allocated, so a reader still reading a retired
 * segment reads mapped memory, whatever its next owner wrote there, and fails its seqlock validation.
 * <p>
 * <b>Thread-safety:</b> thread-safe: every method locks the arena; it is called only when a segment grows or
 * splits. <b>Ownership:</b> chunks are allocated through the map's {@link NativeMemory}, which shows each to the
 * guard, counts it in {@code offHeapBytes()} and frees it when the map closes; the arena frees nothing itself.
 */
final class PageArena
{
    /** Pages per chunk: one {@code long} of free bits. */
    static final int CHUNK_PAGES = 64;
    /** Bytes {@link #step()} touches at a time: one operating-system page. */
    private static final long TOUCH_BYTES = 4096;

    private final NativeMemory memory;
    private final long pageBytes;
    private final long chunkBytes;
    /** Chunk addresses, in the order the chunks came: a chunk's index never changes. */
    private long[] chunks = new long[16];
    /** Free pages of each chunk: bit {@code p} set when page {@code p} is free. */
    private long[] freeBits = new long[16];
    /** Pages of each chunk: {@value #CHUNK_PAGES}, or fewer for an adopted block. */
    private int[] chunkPages = new int[16];
    /** Chunk indexes sorted by chunk address, for {@link #chunkOf(long)}. */
    private int[] byAddress = new int[16];
    private int chunkCount;
    private long freePages;
    /** The newest chunk, whose free pages {@link #step()} touches ahead of need, or 0. */
    private long fresh;
    /** Index of {@link #fresh}. */
    private int freshIndex;
    /** Offset in {@link #fresh} of the next 4 KiB to touch; {@link #chunkBytes} when done. */
    private long touched;
    /** Whether {@link #step()} has work: read by the put path without the lock. */
    private volatile boolean pendingWork;

    /**
     * @param memory    where chunks come from.
     * @param pageBytes bytes per page, a multiple of 16 (one slot); chunks are {@value #CHUNK_PAGES} pages.
     */
    PageArena(final NativeMemory memory, final long pageBytes)
    {
        if (pageBytes < Segment.SLOT_BYTES || pageBytes % Segment.SLOT_BYTES != 0 ||
            pageBytes > Long.MAX_VALUE / CHUNK_PAGES)
        {
            throw new IllegalArgumentException("docref internal error: page of " + pageBytes + " bytes");
        }
        this.memory = memory;
        this.pageBytes = pageBytes;
        this.chunkBytes = pageBytes * CHUNK_PAGES;
    }

    long pageBytes()
    {
        return pageBytes;
    }

    /**
     * A block of {@code pages} contiguous pages: the lowest free run that holds it in the oldest chunk that has one,
     * else the start of a new chunk. The content is undefined (a new chunk's pages are untouched).
     *
     * @throws dev.docref.guard.AllocationBlockedException (from the guard) or {@link OutOfMemoryError} when a new
     *                                    chunk cannot be had; nothing is changed.
     */
    synchronized long allocate(final int pages, final NativeMemory.Purpose purpose, final Object context)
    {
        checkPages(pages);
        for (int c = 0; c < chunkCount; c++)
        {
            final int page = firstRun(freeBits[c], pages);
            if (page >= 0)
            {
                freeBits[c] &= ~mask(page, pages);
                freePages -= pages;
                return chunks[c] + page * pageBytes;
            }
        }
        final long chunk = memory.allocate(chunkBytes, false, purpose, context);
        final int c = insertChunk(chunk, CHUNK_PAGES);
        freeBits[c] = ~mask(0, pages);
        freePages += CHUNK_PAGES - pages;
        // The block's own pages are faulted in by the copy that fills it; the rest of the chunk a page per put.
        fresh = chunk;
        freshIndex = c;
        touched = pages * pageBytes;
        pendingWork = touched < chunkBytes;
        return chunk;
    }

    /** Whether {@link #step()} has work: a racy read, which at worst delays or repeats a harmless check. */
    boolean pendingWork()
    {
        return pendingWork;
    }

    /**
     * Fault in one more 4 KiB of the newest chunk's free pages, so that the grows and splits that take them do not
     * wait for the operating system: on the reference machine a page fault costs about 2-3 us, 32 of them a 128 KiB
     * block. The map calls this once per inserting put while there is work, as {@link BlockReserve#step()}. Pages
     * already handed out are skipped: a segment being filled owns them. Never throws.
     */
    synchronized void step()
    {
        if (fresh == 0 || touched >= chunkBytes)
        {
            pendingWork = false;
            return;
        }
        final int c = freshIndex;
        final int page = (int)(touched / pageBytes);
        if ((freeBits[c] & (1L << page)) != 0)
        {
            OffHeap.putLong(fresh + touched, 0L);
        }
        touched += TOUCH_BYTES;
        pendingWork = touched < chunkBytes;
    }

    /**
     * Take in a block the map allocated on its own (a retired full-size segment of a pre-sized map, say) as a chunk
     * of {@code pages} free pages, so that any class can reuse it. It stays owned by {@link NativeMemory}.
     */
    synchronized void adopt(final long address, final int pages)
    {
        checkPages(pages);
        if (chunkOf(address) >= 0 || chunkOf(address + pages * pageBytes - 1) >= 0)
        {
            throw new IllegalStateException("docref internal error: block " + address + " is already in the arena");
        }
        final int c = insertChunk(address, pages);
        freeBits[c] = mask(0, pages);
        freePages += pages;
    }

    /** Give back a block {@link #allocate} returned; its pages join their free neighbours at once. */
    synchronized void free(final long address, final int pages)
    {
        checkPages(pages);
        final int c = chunkOf(address);
        final long offset = c < 0 ? -1 : address - chunks[c];
        if (c < 0 || offset % pageBytes != 0 || offset / pageBytes + pages > chunkPages[c])
        {
            throw new IllegalStateException("docref internal error: block " + address + " of " + pages +
                " pages is not in this arena");
        }
        final long bits = mask((int)(offset / pageBytes), pages);
        if ((freeBits[c] & bits) != 0)
        {
            throw new IllegalStateException("docref internal error: block " + address + " of " + pages +
                " pages freed twice");
        }
        freeBits[c] |= bits;
        freePages += pages;
    }

    synchronized int chunkCount()
    {
        return chunkCount;
    }

    synchronized long freePages()
    {
        return freePages;
    }

    /** The lowest page at which {@code pages} consecutive set bits of {@code bits} start, or -1. */
    static int firstRun(final long bits, final int pages)
    {
        long runs = bits;
        for (int i = 1; i < pages && runs != 0; i++)
        {
            // Bit p of (bits >>> i) is page p + i: after the loop bit p is set only if pages p .. p + pages - 1 are.
            runs &= bits >>> i;
        }
        return runs == 0 ? -1 : Long.numberOfTrailingZeros(runs);
    }

    /** Bits {@code page} to {@code page + pages - 1}. */
    static long mask(final int page, final int pages)
    {
        return (pages == Long.SIZE ? -1L : (1L << pages) - 1) << page;
    }

    private static void checkPages(final int pages)
    {
        if (pages < 1 || pages > CHUNK_PAGES)
        {
            throw new IllegalArgumentException("docref internal error: a block of " + pages + " pages; from 1 to " +
                CHUNK_PAGES);
        }
    }

    /** Index of the chunk holding {@code address}, or -1: a binary search of {@link #byAddress}. */
    private int chunkOf(final long address)
    {
        int low = 0;
        int high = chunkCount - 1;
        while (low <= high)
        {
            final int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(chunks[byAddress[mid]], address) <= 0)
            {
                low = mid + 1;
            }
            else
            {
                high = mid - 1;
            }
        }
        if (high < 0)
        {
            return -1;
        }
        final int c = byAddress[high];
        return address - chunks[c] < chunkPages[c] * pageBytes ? c : -1;
    }

    /**
     * Add a chunk after every existing one and enter it in the address index; a rare event (one per
     * {@value #CHUNK_PAGES} pages), so shifting the index is fine.
     *
     * @return its index.
     */
    private int insertChunk(final long chunk, final int pages)
    {
        if (chunkCount == chunks.length)
        {
            chunks = java.util.Arrays.copyOf(chunks, chunkCount * 2);
            freeBits = java.util.Arrays.copyOf(freeBits, chunkCount * 2);
            chunkPages = java.util.Arrays.copyOf(chunkPages, chunkCount * 2);
            byAddress = java.util.Arrays.copyOf(byAddress, chunkCount * 2);
        }
        final int c = chunkCount;
        chunks[c] = chunk;
        chunkPages[c] = pages;
        int i = c;
        while (i > 0 && Long.compareUnsigned(chunks[byAddress[i - 1]], chunk) > 0)
        {
            byAddress[i] = byAddress[i - 1];
            i--;
        }
        byAddress[i] = c;
        chunkCount++;
        return c;
    }
}
