package dev.docref.guard;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Objects;

/**
 * How many bytes the next resize of a hash table will allocate, and at which size that happens: for structures
 * users already have, whose growth docref does not control.
 * <p>
 * A table that doubles allocates its whole new table inside one insert, while the old one is still live: one array,
 * or two for a map that keeps its keys and values in separate arrays. For the incident that started docref: a
 * hashbrown-style table of 24-byte entries holding 58,720,256 entries (7/8 of 2^26 buckets) is full, and the next
 * insert allocates 2^27 &times; 25 bytes &asymp; 3.36 GB ({@code ResizeForecast.hashbrown(58_720_256, 24)}). Pass a
 * forecast to {@link AllocationGuard#checkResize(ResizeForecast, String)} to warn about, or refuse, that resize
 * before it is made, for example before inserting into a map whose {@link #insertsUntilResize()} is 1. The guard
 * counts the whole resize, {@link #nextResizeBytes()}, as one allocation; {@link #nextResizeAllocations()} and
 * {@link #nextResizeLargestAllocationBytes()} say how many arrays it is and how large the largest is (fastutil's
 * {@code Long2LongOpenHashMap} growing to 2^24 slots: 256 MiB in two arrays of 128 MiB).
 * <p>
 * Covered:
 * <ul>
 *     <li>{@code java.util.HashMap} and {@code HashSet} ({@link #hashMap}, {@link #hashSet}): a power-of-two
 *     {@code Node[]} table, load factor 0.75, resized on the insert that takes the size past {@code 3/4} of the
 *     table length; the new table is {@code 16 + 4 × length} bytes with compressed oops, {@code 16 + 8 × length}
 *     without (array header with compressed class pointers, the default). Not modelled: the early resize HashMap
 *     makes instead of treeifying a bin of 8 colliding keys while the table is shorter than 64, and other load
 *     factors.</li>
 *     <li>open-addressing primitive maps and sets with power-of-two arrays ({@link #openAddressing}): fastutil's
 *     {@code *OpenHashMap}, HPPC's {@code *HashMap}. A table of {@code n} slots holds
 *     {@code min(ceil(n × loadFactor), n - 1)} entries and the next insert allocates a key array and a value array
 *     of {@code 2n + 1} elements each, two allocations, or the key array alone for a set (exact for fastutil and
 *     HPPC, which keep one extra slot; for Agrona's maps use {@link #agronaLong2Long}). Up to 2^30 slots,
 *     fastutil's and HPPC's largest table: its next, of 2^31 slots, would need arrays of 2^31 + 1 elements, more
 *     than a Java array holds, so a table of 2^30 slots never resizes ({@link #resizes()} is false) and they throw
 *     on the insert past its {@link #capacity()} instead. Pass the load factor exactly as the map holds it:
 *     fastutil's is a {@code float}, so {@code 0.65f} for a map made with {@code 0.65f}; the {@code double}
 *     {@code 0.65} is another number, which from 2^24 slots on forecasts the resize later than fastutil makes it
 *     (one insert at 2^24 slots, 26 at 2^30), so that a check made when {@link #insertsUntilResize()} is 1 comes
 *     after the resize. HPPC's is a {@code double}.</li>
 *     <li>Agrona's {@code Long2LongHashMap} and {@code Int2IntHashMap} ({@link #agronaLong2Long},
 *     {@link #agronaInt2Int}): keys and values interleaved in one array of {@code 2n} elements for {@code n}
 *     slots, a power of two from 8 (a new map's) to 2^29; the map holds {@code (int)(n × loadFactor)} entries, in
 *     {@code float} arithmetic, and the insert past that allocates one array of {@code 4n} elements, one
 *     allocation. A table of 2^29 slots never resizes: 2^30 slots would need an array of 2^31 elements, and Agrona
 *     throws {@code IllegalStateException} ("max capacity reached") on the insert past its capacity instead.</li>
 *     <li>a hashbrown-style (Rust {@code HashMap}, Abseil {@code flat_hash_map}) table ({@link #hashbrown}): a
 *     power-of-two number of buckets, of which 7/8 may be used (all but one below 8 buckets), each with a one-byte
 *     control word; the allocation is {@code buckets × entryBytes} rounded up to 16, plus {@code buckets + 16}
 *     control bytes. Resizes on the insert after the table is full; with deletes a table can instead rehash in
 *     place, which this does not model. Up to 2^56 buckets, 63,050,394,783,186,944 entries: a larger size is
 *     refused, naming it.</li>
 * </ul>
 * The {@code size}-only factories assume a table grown by inserts: the smallest table that holds {@code size}.
 * A table built with a larger expected size, or that grew and then lost entries, is bigger; pass its slot count.
 * <p>
 * <b>Thread-safety:</b> immutable.
 */
public final class ResizeForecast
{
    /** {@code java.util.HashMap.MAXIMUM_CAPACITY}: the table never grows past it. */
    static final long HASH_MAP_MAX_TABLE = 1L << 30;
    /** {@code java.util.HashMap.DEFAULT_INITIAL_CAPACITY}: the first table. */
    static final long HASH_MAP_FIRST_TABLE = 16;
    /** Array header with compressed class pointers: 8-byte mark word, 4-byte class, 4-byte length. */
    static final long ARRAY_HEADER_BYTES = 16;
    /**
     * The most slots an open-addressing table of Java arrays has: fastutil's and HPPC's largest (fastutil's
     * {@code HashCommon.arraySize}, HPPC's {@code MAX_HASH_ARRAY_LENGTH}). Their arrays have {@code n + 1} elements,
     * and the next table's, 2^31 + 1, would be more than a Java array holds.
     */
    static final long OPEN_ADDRESSING_MAX_SLOTS = 1L << 30;
    /**
     * The most slots an Agrona {@code Long2LongHashMap} or {@code Int2IntHashMap} has: its one array has
     * {@code 2 × slots} elements, and at 2^30 slots that count overflows an {@code int}, so that
     * {@code capacity(int)} throws {@code IllegalStateException("max capacity reached at size=...")} instead.
     */
    static final long AGRONA_MAX_SLOTS = 1L << 29;
    /** Agrona's {@code MIN_CAPACITY}: its smallest table, the one its default capacity gives a new map. */
    static final long AGRONA_MIN_SLOTS = 8;
    /** The least load factor Agrona's {@code CollectionUtil.validateLoadFactor} accepts. */
    static final float AGRONA_MIN_LOAD_FACTOR = 0.1f;
    /** The greatest load factor Agrona's {@code CollectionUtil.validateLoadFactor} accepts. */
    static final float AGRONA_MAX_LOAD_FACTOR = 0.9f;
    /** hashbrown's SSE2 group width: control bytes repeated past the end, and the alignment of the control bytes. */
    static final long HASHBROWN_GROUP_WIDTH = 16;
    /**
     * The most buckets of a hashbrown-style table modelled: 2^56. Its next table, of 2^57 buckets, takes fewer bytes
     * than a long counts for entries of up to 62 bytes.
     */
    static final long HASHBROWN_MAX_BUCKETS = 1L << 56;
    /** What the largest hashbrown-style table modelled holds: 7/8 of 2^56 buckets, 63,050,394,783,186,944 entries. */
    static final long HASHBROWN_MAX_SIZE = (HASHBROWN_MAX_BUCKETS / 8) * 7;

    private final String structure;
    private final long size;
    private final long slots;
    private final long currentBytes;
    private final long capacity;
    private final long nextSlots;
    private final long nextResizeBytes;
    private final long nextResizeLargestAllocationBytes;
    private final long bytesPerSlot;
    /** Bytes per slot of a second array (an open-addressing map's values), 0 when the table is one allocation. */
    private final long valueBytesPerSlot;
    /** Why a table that never resizes does not, for {@link #toString()}; {@code null} for one that resizes. */
    private final String noResize;

    private ResizeForecast(
        final String structure,
        final long size,
        final long slots,
        final long currentBytes,
        final long capacity,
        final long nextSlots,
        final long nextResizeBytes,
        final long nextResizeLargestAllocationBytes,
        final long bytesPerSlot,
        final long valueBytesPerSlot,
        final String noResize)
    {
        this.structure = structure;
        this.size = size;
        this.slots = slots;
        this.currentBytes = currentBytes;
        this.capacity = capacity;
        this.nextSlots = nextSlots;
        this.nextResizeBytes = nextResizeBytes;
        this.nextResizeLargestAllocationBytes = nextResizeLargestAllocationBytes;
        this.bytesPerSlot = bytesPerSlot;
        this.valueBytesPerSlot = valueBytesPerSlot;
        this.noResize = noResize;
    }

    // ------------------------------------------------------------------------------------------------------------
    // java.util.HashMap and HashSet.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * A {@code java.util.HashMap} (default load factor) grown by inserts to {@code size} entries.
     *
     * @param size           entries now, 0 to {@link Integer#MAX_VALUE}.
     * @param compressedOops whether the JVM uses 4-byte references; {@link #compressedOops()} says for this one.
     */
    public static ResizeForecast hashMap(final long size, final boolean compressedOops)
    {
        return hashMap(size, grownHashMapTable(size), compressedOops);
    }

    /**
     * A {@code java.util.HashMap} (default load factor) with a known table length.
     *
     * @param size           entries now.
     * @param tableLength    the table's length: a power of two up to 2^30, or 0 while no table is allocated (a new
     *                       map, whose first insert allocates 16).
     * @param compressedOops whether the JVM uses 4-byte references.
     * @throws IllegalArgumentException if the table length is not one HashMap uses or cannot hold {@code size}.
     */
    public static ResizeForecast hashMap(final long size, final long tableLength, final boolean compressedOops)
    {
        return javaUtil("java.util.HashMap", size, tableLength, compressedOops);
    }

    /** A {@code java.util.HashSet} grown by inserts: the same table as {@link #hashMap(long, boolean)}. */
    public static ResizeForecast hashSet(final long size, final boolean compressedOops)
    {
        return hashSet(size, grownHashMapTable(size), compressedOops);
    }

    /** A {@code java.util.HashSet} with a known table length: see {@link #hashMap(long, long, boolean)}. */
    public static ResizeForecast hashSet(final long size, final long tableLength, final boolean compressedOops)
    {
        return javaUtil("java.util.HashSet", size, tableLength, compressedOops);
    }

    /**
     * Whether this JVM uses compressed (4-byte) object references, from the {@code UseCompressedOops} VM option, or,
     * where that cannot be read, from the heap being under 32 GiB.
     */
    public static boolean compressedOops()
    {
        try
        {
            final com.sun.management.HotSpotDiagnosticMXBean hotSpot =
                ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return Boolean.parseBoolean(hotSpot.getVMOption("UseCompressedOops").getValue());
        }
        catch (final RuntimeException | LinkageError ex)
        {
            return Runtime.getRuntime().maxMemory() < (32L << 30);
        }
    }

    private static ResizeForecast javaUtil(
        final String structure, final long size, final long tableLength, final boolean compressedOops)
    {
        requireSize(size, Integer.MAX_VALUE);
        if (tableLength != 0 && (Long.bitCount(tableLength) != 1 || tableLength > HASH_MAP_MAX_TABLE))
        {
            throw new IllegalArgumentException(structure + " tableLength " + tableLength + " is not one it uses: " +
                "pass a power of two up to 2^30, or 0 before its first insert.");
        }
        final long referenceBytes = compressedOops ? 4 : 8;
        final String name = structure + (compressedOops ? " (compressed oops)" : " (uncompressed oops)");
        if (tableLength == 0)
        {
            requireFits(structure, size, 0, tableLength);
            final long first = arrayBytes(referenceBytes, HASH_MAP_FIRST_TABLE);
            return new ResizeForecast(name, size, 0, 0, 0, HASH_MAP_FIRST_TABLE, first, first, referenceBytes, 0,
                null);
        }
        final long capacity = hashMapThreshold(tableLength);
        requireFits(structure, size, capacity, tableLength);
        final long current = arrayBytes(referenceBytes, tableLength);
        if (tableLength == HASH_MAP_MAX_TABLE)
        {
            return new ResizeForecast(name, size, tableLength, current, capacity, 0, 0, 0, referenceBytes, 0,
                "it never resizes again");
        }
        final long next = arrayBytes(referenceBytes, tableLength * 2);
        return new ResizeForecast(name, size, tableLength, current, capacity, tableLength * 2, next, next,
            referenceBytes, 0, null);
    }

    /** HashMap's {@code threshold} for a table: 3/4 of its length, and no limit at the maximum table. */
    private static long hashMapThreshold(final long tableLength)
    {
        return tableLength == HASH_MAP_MAX_TABLE ? Integer.MAX_VALUE : (tableLength * 3) >> 2;
    }

    private static long grownHashMapTable(final long size)
    {
        requireSize(size, Integer.MAX_VALUE);
        if (size == 0)
        {
            return 0;
        }
        long table = HASH_MAP_FIRST_TABLE;
        while (hashMapThreshold(table) < size)
        {
            table <<= 1;
        }
        return table;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Open addressing with power-of-two arrays (fastutil, HPPC).
    // ------------------------------------------------------------------------------------------------------------

    /**
     * An open-addressing primitive map or set with power-of-two key and value arrays, grown by inserts to
     * {@code size} entries. Not for Agrona's maps, which keep keys and values in one array of another length and
     * resize one insert earlier when {@code n × loadFactor} is not whole: use {@link #agronaLong2Long} or
     * {@link #agronaInt2Int}, exact for them.
     *
     * @param size       entries now, at most what 2^30 slots hold at {@code loadFactor} (805,306,368 at 0.75).
     * @param keyBytes   bytes per key: 1, 2, 4 or 8 (4 for object keys with compressed oops).
     * @param valueBytes bytes per value: 0 for a set (no value array), 1, 2, 4 or 8.
     * @param loadFactor the map's load factor, strictly between 0 and 1, exactly as the map holds it: fastutil's is a
     *                   {@code float} (pass {@code 0.65f}, not {@code 0.65}), HPPC's a {@code double}.
     * @throws IllegalArgumentException if an argument is out of range, or no such table holds {@code size}.
     */
    public static ResizeForecast openAddressing(
        final long size, final int keyBytes, final int valueBytes, final double loadFactor)
    {
        requireOpenAddressing(keyBytes, valueBytes, loadFactor);
        requireSize(size, Long.MAX_VALUE);
        long slots = 2;
        while (openAddressingCapacity(slots, loadFactor) < size)
        {
            if (slots == OPEN_ADDRESSING_MAX_SLOTS)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "size %,d is more than an " +
                    "open-addressing table of Java arrays holds: at most %,d at load factor %s, in 2^30 slots " +
                    "(fastutil's and HPPC's largest table); pass the structure's real size.", size,
                    openAddressingCapacity(slots, loadFactor), loadFactor));
            }
            slots <<= 1;
        }
        return openAddressing(size, slots, keyBytes, valueBytes, loadFactor);
    }

    /**
     * An open-addressing primitive map or set with a known number of slots.
     *
     * @param size       entries now.
     * @param slots      slots in its table (fastutil's {@code n}, HPPC's {@code mask + 1}): a power of two from 2
     *                   to 2^30; at 2^30 the table never resizes.
     * @param keyBytes   bytes per key: 1, 2, 4 or 8.
     * @param valueBytes bytes per value: 0 for a set, 1, 2, 4 or 8.
     * @param loadFactor the map's load factor, strictly between 0 and 1, exactly as the map holds it: fastutil's is a
     *                   {@code float} (pass {@code 0.65f}, not {@code 0.65}), HPPC's a {@code double}.
     * @throws IllegalArgumentException if an argument is out of range or the table cannot hold {@code size}.
     */
    public static ResizeForecast openAddressing(
        final long size, final long slots, final int keyBytes, final int valueBytes, final double loadFactor)
    {
        requireOpenAddressing(keyBytes, valueBytes, loadFactor);
        requireSize(size, Long.MAX_VALUE);
        if (slots < 2 || Long.bitCount(slots) != 1 || slots > OPEN_ADDRESSING_MAX_SLOTS)
        {
            throw new IllegalArgumentException("slots " + slots + " is not the length of an open-addressing table " +
                "of Java arrays: pass a power of two from 2 to 2^30 (fastutil's n, HPPC's mask + 1; their arrays " +
                "have n + 1 elements, and a Java array at most 2^31 - 1).");
        }
        final long capacity = openAddressingCapacity(slots, loadFactor);
        final String structure = String.format(Locale.ROOT, "open-addressing table (%d-byte keys, %d-byte values, " +
            "load factor %s)", keyBytes, valueBytes, loadFactor);
        requireFits(structure, size, capacity, slots);
        final long current = openAddressingBytes(slots, keyBytes, valueBytes);
        if (slots == OPEN_ADDRESSING_MAX_SLOTS)
        {
            return new ResizeForecast(structure, size, slots, current, capacity, 0, 0, 0, keyBytes + valueBytes,
                valueBytes, "it cannot resize: 2^31 slots would need arrays of 2^31 + 1 elements, more than a Java " +
                "array holds, so fastutil and HPPC throw on the insert past its capacity instead");
        }
        // Both arrays have 2n + 1 elements; the wider elements make the larger one. At most 2 × 16 GiB: no overflow.
        return new ResizeForecast(structure, size, slots, current, capacity, slots * 2,
            openAddressingBytes(slots * 2, keyBytes, valueBytes),
            arrayBytes(Math.max(keyBytes, valueBytes), slots * 2 + 1), keyBytes + valueBytes, valueBytes, null);
    }

    private static long openAddressingCapacity(final long slots, final double loadFactor)
    {
        return Math.min((long)Math.ceil(slots * loadFactor), slots - 1);
    }

    private static long openAddressingBytes(final long slots, final int keyBytes, final int valueBytes)
    {
        final long keys = arrayBytes(keyBytes, slots + 1);
        return valueBytes == 0 ? keys : Math.addExact(keys, arrayBytes(valueBytes, slots + 1));
    }

    private static void requireOpenAddressing(final int keyBytes, final int valueBytes, final double loadFactor)
    {
        if (!isWidth(keyBytes) || !(valueBytes == 0 || isWidth(valueBytes)))
        {
            throw new IllegalArgumentException("keyBytes " + keyBytes + " and valueBytes " + valueBytes + " must " +
                "be Java array element widths: keyBytes 1, 2, 4 or 8; valueBytes 0 (a set), 1, 2, 4 or 8.");
        }
        if (!(loadFactor > 0.0 && loadFactor < 1.0))
        {
            throw new IllegalArgumentException("loadFactor must be strictly between 0 and 1 but was " + loadFactor +
                "; fastutil's and HPPC's default is 0.75.");
        }
    }

    private static boolean isWidth(final int bytes)
    {
        return bytes == 1 || bytes == 2 || bytes == 4 || bytes == 8;
    }

    // ------------------------------------------------------------------------------------------------------------
    // Agrona's interleaved primitive maps.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * An Agrona {@code Long2LongHashMap} grown by inserts to {@code size} entries, from the 8 slots its default
     * capacity gives it. At load factor 0.65 it holds 43,620,760 entries in 2^26 slots, and the next insert allocates
     * one {@code long[]} of 2^28 elements, 2^27 &times; 16 bytes &asymp; 2.15 GB (2,147,483,664 bytes = 2.00 GiB).
     *
     * @param size       entries now, at most what 2^29 slots hold at {@code loadFactor} (348,966,080 at 0.65).
     * @param loadFactor the map's {@code loadFactor()}, a {@code float} from 0.1 to 0.9; Agrona's default is 0.65
     *                   ({@code Hashing.DEFAULT_LOAD_FACTOR}).
     * @throws IllegalArgumentException if an argument is out of range, or no such map holds {@code size}.
     */
    public static ResizeForecast agronaLong2Long(final long size, final float loadFactor)
    {
        return agrona("Long2LongHashMap", Long.BYTES, size, loadFactor);
    }

    /**
     * An Agrona {@code Long2LongHashMap} with a known number of slots, its {@code capacity()}: a map made with an
     * initial capacity, or grown and then emptied, has more than {@link #agronaLong2Long(long, float)} assumes.
     *
     * @param size       entries now.
     * @param slots      its {@code capacity()}: a power of two from 8 to 2^29; at 2^29 the map never resizes.
     * @param loadFactor the map's {@code loadFactor()}, a {@code float} from 0.1 to 0.9.
     * @throws IllegalArgumentException if an argument is out of range or the map cannot hold {@code size}.
     */
    public static ResizeForecast agronaLong2Long(final long size, final long slots, final float loadFactor)
    {
        return agrona("Long2LongHashMap", Long.BYTES, size, slots, loadFactor);
    }

    /**
     * An Agrona {@code Int2IntHashMap} grown by inserts to {@code size} entries: the same table as
     * {@link #agronaLong2Long(long, float)} in an {@code int[]}, half the bytes.
     *
     * @param size       entries now, at most what 2^29 slots hold at {@code loadFactor} (348,966,080 at 0.65).
     * @param loadFactor the map's {@code loadFactor()}, a {@code float} from 0.1 to 0.9.
     * @throws IllegalArgumentException if an argument is out of range, or no such map holds {@code size}.
     */
    public static ResizeForecast agronaInt2Int(final long size, final float loadFactor)
    {
        return agrona("Int2IntHashMap", Integer.BYTES, size, loadFactor);
    }

    /**
     * An Agrona {@code Int2IntHashMap} with a known number of slots: see
     * {@link #agronaLong2Long(long, long, float)}.
     */
    public static ResizeForecast agronaInt2Int(final long size, final long slots, final float loadFactor)
    {
        return agrona("Int2IntHashMap", Integer.BYTES, size, slots, loadFactor);
    }

    private static ResizeForecast agrona(
        final String map, final int elementBytes, final long size, final float loadFactor)
    {
        requireAgronaLoadFactor(loadFactor);
        requireSize(size, Long.MAX_VALUE);
        long slots = AGRONA_MIN_SLOTS;
        while (agronaCapacity(slots, loadFactor) < size)
        {
            if (slots == AGRONA_MAX_SLOTS)
            {
                throw new IllegalArgumentException(String.format(Locale.ROOT, "size %,d is more than Agrona's %s " +
                    "holds: at most %,d at load factor %s, in 2^29 slots, its largest table (2^30 slots would need " +
                    "an array of 2^31 elements, and Agrona throws IllegalStateException \"max capacity reached\" " +
                    "instead); pass the map's real size().", size, map, agronaCapacity(slots, loadFactor),
                    loadFactor));
            }
            slots <<= 1;
        }
        return agrona(map, elementBytes, size, slots, loadFactor);
    }

    private static ResizeForecast agrona(
        final String map, final int elementBytes, final long size, final long slots, final float loadFactor)
    {
        requireAgronaLoadFactor(loadFactor);
        requireSize(size, Long.MAX_VALUE);
        if (slots < AGRONA_MIN_SLOTS || Long.bitCount(slots) != 1 || slots > AGRONA_MAX_SLOTS)
        {
            throw new IllegalArgumentException("slots " + slots + " is not the capacity() of an Agrona " + map +
                ": pass a power of two from 8 to 2^29 (its one array has 2 × slots elements, and a Java array at " +
                "most 2^31 - 1).");
        }
        final String structure = "Agrona " + map + " (load factor " + loadFactor + ")";
        final long capacity = agronaCapacity(slots, loadFactor);
        requireFits(structure, size, capacity, slots);
        // Keys and values interleaved in one array of 2 × slots elements: one allocation, 8 GiB at most.
        final long current = arrayBytes(elementBytes, 2 * slots);
        if (slots == AGRONA_MAX_SLOTS)
        {
            return new ResizeForecast(structure, size, slots, current, capacity, 0, 0, 0, 2L * elementBytes, 0,
                "it cannot resize: 2^30 slots would need an array of 2^31 elements, more than a Java array holds, " +
                "so Agrona throws IllegalStateException (\"max capacity reached\") on the insert past its capacity " +
                "instead");
        }
        final long next = arrayBytes(elementBytes, 4 * slots);
        return new ResizeForecast(structure, size, slots, current, capacity, slots * 2, next, next,
            2L * elementBytes, 0, null);
    }

    /**
     * Agrona's {@code resizeThreshold}, {@code (int)(capacity * loadFactor)} in {@code float}: exact here, since
     * {@code slots} is a power of two. The map resizes on the insert that takes its size past it.
     */
    private static long agronaCapacity(final long slots, final float loadFactor)
    {
        return (long)((float)slots * loadFactor);
    }

    private static void requireAgronaLoadFactor(final float loadFactor)
    {
        if (!(loadFactor >= AGRONA_MIN_LOAD_FACTOR && loadFactor <= AGRONA_MAX_LOAD_FACTOR))
        {
            throw new IllegalArgumentException("loadFactor " + loadFactor + " is not one Agrona accepts: pass the " +
                "map's loadFactor(), from 0.1 to 0.9 (default 0.65, Hashing.DEFAULT_LOAD_FACTOR).");
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // hashbrown-style 7/8 tables.
    // ------------------------------------------------------------------------------------------------------------

    /**
     * A hashbrown-style table grown by inserts to {@code size} entries.
     *
     * @param size       entries now, at most what 2^56 buckets hold (63,050,394,783,186,944).
     * @param entryBytes bytes per entry, the size of the stored (key, value) pair, 1 or more.
     * @throws IllegalArgumentException if an argument is out of range, or the table or its next one would take more
     *                                  bytes than a long counts.
     */
    public static ResizeForecast hashbrown(final long size, final int entryBytes)
    {
        requireSize(size, Long.MAX_VALUE);
        if (size > HASHBROWN_MAX_SIZE)
        {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "size %,d is more than a hashbrown-style " +
                "table holds in this model: at most %,d entries, 7/8 of 2^56 buckets; pass the structure's real " +
                "size.", size, HASHBROWN_MAX_SIZE));
        }
        long buckets = 0;
        if (size > 0)
        {
            buckets = 4;
            while (hashbrownCapacity(buckets) < size)
            {
                buckets <<= 1;
            }
        }
        return hashbrown(size, buckets, entryBytes, true);
    }

    /**
     * A hashbrown-style table with a known number of buckets.
     *
     * @param size       entries now.
     * @param buckets    a power of two, 4 or more, or 0 for an empty table with no allocation yet (its first insert
     *                   allocates 4 buckets).
     * @param entryBytes bytes per entry, 1 or more.
     * @throws IllegalArgumentException if an argument is out of range or the table cannot hold {@code size}.
     */
    public static ResizeForecast hashbrown(final long size, final long buckets, final int entryBytes)
    {
        return hashbrown(size, buckets, entryBytes, false);
    }

    /** @param sizeOnly whether the caller passed only the size, so that an error names it rather than buckets. */
    private static ResizeForecast hashbrown(
        final long size, final long buckets, final int entryBytes, final boolean sizeOnly)
    {
        requireSize(size, Long.MAX_VALUE);
        if (entryBytes < 1)
        {
            throw new IllegalArgumentException("entryBytes must be 1 or more but was " + entryBytes +
                "; pass the size of the stored (key, value) pair, e.g. 24 for (u64, u64, u64).");
        }
        if (buckets != 0 && (buckets < 4 || Long.bitCount(buckets) != 1 || buckets > HASHBROWN_MAX_BUCKETS))
        {
            throw new IllegalArgumentException("buckets " + buckets + " is not a hashbrown table size: pass a " +
                "power of two from 4 to 2^56, or 0 for a table with no allocation yet.");
        }
        final String structure = "hashbrown-style 7/8 table (" + entryBytes + "-byte entries)";
        final long capacity = buckets == 0 ? 0 : hashbrownCapacity(buckets);
        requireFits(structure, size, capacity, buckets);
        final long next = buckets == 0 ? 4 : buckets * 2;
        try
        {
            // Entries and control bytes share one allocation.
            final long nextBytes = hashbrownBytes(next, entryBytes);
            return new ResizeForecast(structure, size, buckets,
                buckets == 0 ? 0 : hashbrownBytes(buckets, entryBytes), capacity, next, nextBytes, nextBytes,
                entryBytes + 1L, 0, null);
        }
        catch (final ArithmeticException ex)
        {
            throw sizeOnly ? tooLarge(structure, size, "entries", "size") :
                tooLarge(structure, buckets, "buckets", "buckets");
        }
    }

    /** hashbrown's {@code bucket_mask_to_capacity}: all but one bucket below 8, else 7/8 of them. */
    private static long hashbrownCapacity(final long buckets)
    {
        return buckets < 8 ? buckets - 1 : (buckets / 8) * 7;
    }

    /** hashbrown's {@code TableLayout::calculate_layout_for}: entries, aligned to the group width, then control. */
    private static long hashbrownBytes(final long buckets, final int entryBytes)
    {
        final long data = Math.multiplyExact(buckets, (long)entryBytes);
        final long controlOffset = Math.addExact(data, HASHBROWN_GROUP_WIDTH - 1) & -HASHBROWN_GROUP_WIDTH;
        return Math.addExact(controlOffset, buckets + HASHBROWN_GROUP_WIDTH);
    }

    // ------------------------------------------------------------------------------------------------------------
    // The forecast.
    // ------------------------------------------------------------------------------------------------------------

    /** @return what was forecast, e.g. {@code "hashbrown-style 7/8 table (24-byte entries)"}. */
    public String structure()
    {
        return structure;
    }

    /** @return entries now. */
    public long size()
    {
        return size;
    }

    /** @return slots (table length, buckets) now; 0 if no table is allocated yet. */
    public long slots()
    {
        return slots;
    }

    /** @return bytes of the table now; the resize allocates the next one while this one is still live. */
    public long currentBytes()
    {
        return currentBytes;
    }

    /** @return the most entries the table holds before it resizes. */
    public long capacity()
    {
        return capacity;
    }

    /**
     * @return whether another resize can come; false only for a {@code java.util.HashMap} at its 2^30 maximum, which
     * goes on inserting into that table, for an open-addressing table at 2^30 slots, which cannot grow (fastutil
     * and HPPC throw on the insert past {@link #capacity()}), and for an Agrona map at 2^29 slots, which cannot grow
     * either (Agrona throws {@code IllegalStateException} on the insert past {@link #capacity()}).
     */
    public boolean resizes()
    {
        return nextSlots != 0;
    }

    /**
     * @return the size the insert that resizes brings the table to: {@code capacity() + 1}, or
     * {@link Long#MAX_VALUE} if it never resizes again.
     */
    public long resizeAtSize()
    {
        return resizes() ? capacity + 1 : Long.MAX_VALUE;
    }

    /** @return inserts of new keys until, and including, the one that resizes; 1 means the next insert does. */
    public long insertsUntilResize()
    {
        return resizes() ? capacity + 1 - size : Long.MAX_VALUE;
    }

    /** @return slots after the next resize, or 0 if it never resizes again. */
    public long nextSlots()
    {
        return nextSlots;
    }

    /**
     * @return bytes the next resize allocates, all inside the one insert that triggers it, or 0 if it never resizes
     * again: for a map with separate key and value arrays, both arrays together ({@link #nextResizeAllocations()}
     * allocations, the largest {@link #nextResizeLargestAllocationBytes()}). This is what
     * {@link AllocationGuard#checkResize} checks against the single-allocation limit: it counts the whole resize as
     * one allocation, which is conservative where the resize makes two.
     */
    public long nextResizeBytes()
    {
        return nextResizeBytes;
    }

    /**
     * @return how many arrays the next resize allocates, inside the one insert: 1 for a {@code java.util.HashMap} or
     * {@code HashSet} table, a hashbrown-style table (entries and control bytes in one allocation), an
     * open-addressing set and an Agrona map (keys and values interleaved in one array); 2 for an open-addressing map
     * with a value array (keys and values); 0 if it never resizes again.
     */
    public int nextResizeAllocations()
    {
        return !resizes() ? 0 : valueBytesPerSlot > 0 ? 2 : 1;
    }

    /**
     * @return bytes of the largest single array the next resize allocates, or 0 if it never resizes again: all of
     * {@link #nextResizeBytes()} when it allocates one; for an open-addressing map the larger of its key and value
     * arrays, exactly (each has {@code 2n + 1} elements with its own header and alignment: 134,217,752 bytes for
     * fastutil's {@code long[]} at 2^24 slots, against 268,435,504 for the resize).
     */
    public long nextResizeLargestAllocationBytes()
    {
        return nextResizeLargestAllocationBytes;
    }

    /** @return bytes the table holds during the next resize: the old table and the new one. */
    public long peakBytes()
    {
        return currentBytes + nextResizeBytes;
    }

    /**
     * A sentence with the numbers, e.g. for the seed case: {@code hashbrown-style 7/8 table (24-byte entries) with
     * 58,720,256 entries in 2^26 slots (capacity 58,720,256): the next insert (entry 58,720,257) allocates
     * 2^27 × 25 bytes ≈ 3.36 GB (3,355,443,216 bytes = 3.13 GiB) while the current 1.68 GB are still live}. A resize
     * of two arrays names both: {@code ... allocates two arrays, keys 2^24 × 8 bytes and values 2^24 × 8 bytes,
     * ≈ 268.44 MB in all (268,435,504 bytes = 256.00 MiB, each array 134,217,752 bytes = 128.00 MiB) while ...}.
     */
    public String toString()
    {
        final StringBuilder text = new StringBuilder(256);
        text.append(structure).append(" with ").append(String.format(Locale.ROOT, "%,d", size))
            .append(" entries in ").append(slots == 0 ? "no table yet" : powerOfTwo(slots) + " slots")
            .append(String.format(Locale.ROOT, " (capacity %,d)", capacity)).append(": ");
        if (!resizes())
        {
            return text.append(noResize).toString();
        }
        final long inserts = insertsUntilResize();
        text.append(inserts == 1 ? "the next insert" : String.format(Locale.ROOT, "insert %,d from now", inserts))
            .append(String.format(Locale.ROOT, " (entry %,d) allocates ", resizeAtSize()));
        if (nextResizeAllocations() == 1)
        {
            text.append(powerOfTwo(nextSlots)).append(" × ").append(bytesPerSlot).append(" bytes ≈ ")
                .append(decimalBytes(nextResizeBytes))
                .append(String.format(Locale.ROOT, " (%,d bytes = %s)", nextResizeBytes,
                    PropertyValues.formatBytes(nextResizeBytes)));
        }
        else
        {
            text.append("two arrays, keys ").append(powerOfTwo(nextSlots)).append(" × ")
                .append(bytesPerSlot - valueBytesPerSlot).append(" bytes and values ").append(powerOfTwo(nextSlots))
                .append(" × ").append(valueBytesPerSlot).append(" bytes, ≈ ").append(decimalBytes(nextResizeBytes))
                .append(String.format(Locale.ROOT, " in all (%,d bytes = %s, %s %,d bytes = %s)", nextResizeBytes,
                    PropertyValues.formatBytes(nextResizeBytes),
                    2 * nextResizeLargestAllocationBytes == nextResizeBytes ? "each array" : "the larger array",
                    nextResizeLargestAllocationBytes, PropertyValues.formatBytes(nextResizeLargestAllocationBytes)));
        }
        if (currentBytes > 0)
        {
            text.append(" while the current ").append(decimalBytes(currentBytes)).append(" are still live");
        }
        return text.toString();
    }

    private static String powerOfTwo(final long n)
    {
        return "2^" + Long.numberOfTrailingZeros(n);
    }

    /** Bytes in decimal units, as the incident report gave them: {@code 3.36 GB}. */
    static String decimalBytes(final long bytes)
    {
        final String[] units = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
        double value = bytes;
        int unit = 0;
        while (value >= 1000 && unit < units.length - 1)
        {
            value /= 1000;
            unit++;
        }
        return unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.2f %s", value, units[unit]);
    }

    /** Bytes of a Java array: header, elements, rounded up to the 8-byte object alignment. */
    private static long arrayBytes(final long elementBytes, final long length)
    {
        return Math.addExact(ARRAY_HEADER_BYTES + 7, Math.multiplyExact(elementBytes, length)) & -8L;
    }

    /** A table whose size, or the size it would grow to, is more bytes than a {@code long} counts. */
    /** @param argument the argument the caller passed {@code length} as, which the fix names. */
    private static IllegalArgumentException tooLarge(
        final String structure, final long length, final String unit, final String argument)
    {
        return new IllegalArgumentException("a " + structure + " of " + length + " " + unit + " would take more " +
            "than " + Long.MAX_VALUE + " bytes, now or at its next resize, so no such table exists; pass the " +
            "structure's real " + argument + ".");
    }

    private static void requireSize(final long size, final long max)
    {
        if (size < 0 || size > max)
        {
            throw new IllegalArgumentException("size must be from 0 to " + max + " but was " + size);
        }
    }

    private static void requireFits(final String structure, final long size, final long capacity, final long slots)
    {
        Objects.requireNonNull(structure);
        if (size > capacity)
        {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "a %s with %,d slots holds at most %,d " +
                "entries before it resizes, not %,d: pass the table's real slot count, or use the factory that " +
                "takes only the size.", structure, slots, capacity, size));
        }
    }
}
