package dev.docref.guard;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * Sees large allocations before they happen and, by its {@link GuardMode}, lets them pass, warns about them or
 * refuses them: per allocation ({@link #check}) and against a total budget ({@link #reserve}/{@link #release}).
 * <p>
 * A growable structure calls {@link #check(long, String)} with the bytes it is about to allocate and a short
 * description ({@code what}); over the single-allocation limit (default 1 GiB) the guard logs a warning in
 * {@link GuardMode#WARN} (the default) or throws {@link AllocationBlockedException} in {@link GuardMode#BLOCK}.
 * Structures that hold memory for a while also {@link #reserve} it, and {@link #release} it when they free it: the
 * reservations are checked against the total limit (default unlimited), and the accounting stays exact when a
 * reservation is refused. For a table whose growth you do not control, {@link #checkResize} checks the resize a
 * {@link ResizeForecast} predicts, counting all it allocates inside the one insert (both arrays of a map with
 * separate key and value arrays) as one allocation. Example: the 3.36 GB doubling of a hashbrown table of
 * 58,720,256 entries of 24 bytes is over the default 1 GiB limit, so in {@code block} mode
 * {@code guard.checkResize(ResizeForecast.hashbrown(58_720_256, 24), "pkey index resize")} throws
 * <pre>
 * docref guard blocked a single allocation of 3.13 GiB for [pkey index resize]: limit
 * docref.guard.single.allocation.limit = 1.00 GiB (mode block). Pre-size the structure, raise the limit, or set
 * docref.guard.mode=warn. Forecast: hashbrown-style 7/8 table (24-byte entries) with 58,720,256 entries in 2^26
 * slots (capacity 58,720,256): the next insert (entry 58,720,257) allocates 2^27 × 25 bytes ≈ 3.36 GB
 * (3,355,443,216 bytes = 3.13 GiB) while the current 1.68 GB are still live.
 * </pre>
 * <b>Reporting.</b> Every decision other than {@link AllocationDecision#ALLOWED} notifies the
 * {@link AllocationListener}s (see there for the contract), emits the JFR event {@code dev.docref.AllocationGuard},
 * counts in the MXBean, and logs through {@link System.Logger} {@code dev.docref.guard.AllocationGuard} at
 * {@code WARNING} with the bytes, the limit, {@code what} and the caller's stack, at most once per
 * {@value #WARN_INTERVAL_PROP_NAME} per {@code what} (a caller may swallow a block, so blocks are logged too).
 * <p>
 * <b>Configuration.</b> From properties ({@link #fromProperties}; {@link #global()} reads system properties), then
 * at run time three ways: {@link #reconfigure(Properties)}; the file named by {@value #CONFIG_PROP_NAME}, polled once
 * a second by a daemon thread that exists only while a file is configured, so {@code check} never touches the file
 * system, and applied when it changes (timestamp, size or bytes) and then reads the same on the next poll, so that a
 * file caught half-written is not applied (see {@code ConfigFileWatcher}; replace it by rename); and the platform
 * MXBean {@code dev.docref:type=AllocationGuard,name=<name>} ({@link AllocationGuardMXBean}). Each change applies the
 * keys it names and keeps the others. A bad value never takes effect: {@link IllegalArgumentException} names the
 * property, the value and the accepted forms, and the previous configuration stays in force; a bad edit of the file
 * is logged at {@code WARNING} and ignored.
 * <p>
 * <b>Thread-safety:</b> thread-safe; one guard is meant to be shared by every structure in a process. {@code check}
 * reads one volatile configuration and updates striped counters; {@code reserve}/{@code release} are lock-free
 * compare-and-set loops. Reconfiguration is serialised and swaps a whole configuration at once, so a decision never
 * sees half of one.
 * <p>
 * <b>Ownership:</b> a guard holds an MBean registration and, while a config file is set, a watcher thread. Both
 * keep it reachable; {@link #close()} ends them (the guard still decides afterwards, with its last configuration,
 * which can no longer change). The {@link #global()} guard
 * lives as long as the JVM. A guard owns no memory: callers pair every {@code reserve} with a {@code release}.
 */
public final class AllocationGuard implements AutoCloseable
{
    /** System property for the mode: {@code off}, {@code warn} or {@code block}, case-insensitive. */
    public static final String MODE_PROP_NAME = "docref.guard.mode";
    /** Default mode: {@link GuardMode#WARN}, so a large allocation is always reported and never refused unasked. */
    public static final GuardMode MODE_DEFAULT = GuardMode.WARN;

    /**
     * System property for the largest single allocation allowed without a warning or a block, as a size
     * ({@code 1GiB}, {@code 512m}, {@code 1073741824}) or {@code unlimited}. {@link #checkResize} holds a whole
     * resize to it, all the arrays one insert allocates.
     */
    public static final String SINGLE_ALLOCATION_LIMIT_PROP_NAME = "docref.guard.single.allocation.limit";
    /** Default single-allocation limit: 1 GiB, a third of the 3.36 GB doubling that froze the seed database. */
    public static final long SINGLE_ALLOCATION_LIMIT_DEFAULT = 1L << 30;

    /** System property for the total bytes that may be reserved at once, as a size or {@code unlimited}. */
    public static final String TOTAL_LIMIT_PROP_NAME = "docref.guard.total.limit";
    /** Default total limit: unlimited ({@link Long#MAX_VALUE}). */
    public static final long TOTAL_LIMIT_DEFAULT = Long.MAX_VALUE;

    /**
     * System property for the minimum time between two logged warnings with the same {@code what}, as a duration
     * ({@code 500ms}, {@code 30s}, {@code 2m}); {@code 0s} logs every one; at most {@link Long#MAX_VALUE}
     * milliseconds (292 million years), what the MXBean shows. Listeners, JFR and counters are not rate-limited.
     */
    public static final String WARN_INTERVAL_PROP_NAME = "docref.guard.warn.interval";
    /** Default warning interval: 1 minute per {@code what}. */
    public static final Duration WARN_INTERVAL_DEFAULT = Duration.ofMinutes(1);

    /**
     * System property for the path of a properties file with the guard's other keys, watched for changes (checked
     * once a second; a change is applied once two polls read it the same, 1 to 2 seconds after it is made). Write it
     * by writing a new file and renaming it over the old one. Default: none.
     */
    public static final String CONFIG_PROP_NAME = "docref.guard.config";

    /** How often the watcher thread reads the config file. */
    static final Duration CONFIG_POLL_INTERVAL = Duration.ofSeconds(1);
    /** Frames of the caller's stack a warning prints. */
    static final int LOGGED_STACK_FRAMES = 24;
    /** Distinct {@code what} strings whose last warning time is remembered before the memory is cleared. */
    static final int MAX_RATE_LIMITED_WHATS = 1024;

    private static final System.Logger LOGGER = System.getLogger("dev.docref.guard.AllocationGuard");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final AtomicInteger UNNAMED = new AtomicInteger();
    private static final String GLOBAL_NAME = "global";
    private static volatile AllocationGuard global;

    private final String name;
    private final boolean isGlobal;
    private volatile GuardSettings settings;
    private final Object configLock = new Object();
    /** Guarded by {@link #configLock}. */
    private ConfigFileWatcher watcher;
    /** Guarded by {@link #configLock}; {@code null} once closed. */
    private ObjectName objectName;

    private final AtomicLong reservedBytes = new AtomicLong();
    private final AtomicLong largestRequestBytes = new AtomicLong();
    private final LongAdder checks = new LongAdder();
    private final LongAdder warnings = new LongAdder();
    private final LongAdder blocks = new LongAdder();
    private final CopyOnWriteArrayList<AllocationListener> listeners = new CopyOnWriteArrayList<>();
    private final ConcurrentHashMap<String, WarnRate> warnRates = new ConcurrentHashMap<>();

    private AllocationGuard(final String name, final Properties properties, final boolean isGlobal)
    {
        if (!NAME.matcher(name).matches())
        {
            throw new IllegalArgumentException("guard name \"" + name + "\" must be 1 to 64 of A-Z a-z 0-9 . _ -, " +
                "as it becomes the MXBean's name=" + name);
        }
        if (!isGlobal && GLOBAL_NAME.equals(name))
        {
            throw new IllegalArgumentException("guard name \"" + GLOBAL_NAME + "\" is kept for " +
                "AllocationGuard.global(), which could not register its MXBean once another guard had it; choose " +
                "another name");
        }
        this.name = name;
        this.isGlobal = isGlobal;
        final String source = isGlobal ? "system properties" : "properties of guard " + name;
        GuardSettings initial = GuardSettings.DEFAULTS.with(properties, source, true);
        ConfigFileWatcher.Reading read = null;
        if (initial.configFile != null)
        {
            read = readConfigFile(initial.configFile);
            initial = initial.with(read.properties(ConfigFileWatcher.named(initial.configFile)),
                initial.configFile.toString(), true);
        }
        this.settings = initial;
        synchronized (configLock)
        {
            this.objectName = register(name, new GuardMXBeanView(this));
            if (initial.configFile != null)
            {
                try
                {
                    watcher = ConfigFileWatcher.start(this, initial.configFile, read);
                }
                catch (final Throwable ex)
                {
                    // "unable to create native thread", say: a guard that was never returned must not keep its name,
                    // or every later attempt (every global() call, for the global guard) fails as a taken name.
                    unregister();
                    throw ex;
                }
            }
        }
    }

    /**
     * The process-wide guard, named {@code global}, configured from system properties at first use.
     *
     * @throws IllegalArgumentException if a {@code docref.guard.*} system property or the config file it names is
     *                                  invalid; every call retries until the configuration is valid.
     * @throws OutOfMemoryError         if the config file's watcher thread cannot be started; nothing is left
     *                                  registered, so a later call may succeed.
     */
    public static AllocationGuard global()
    {
        AllocationGuard guard = global;
        if (guard == null)
        {
            synchronized (AllocationGuard.class)
            {
                guard = global;
                if (guard == null)
                {
                    guard = new AllocationGuard(GLOBAL_NAME, copy(System.getProperties()), true);
                    global = guard;
                }
            }
        }
        return guard;
    }

    /**
     * A new guard, named {@code guard-<n>}, configured from {@code properties} over the defaults. Keys that do not
     * start with {@code docref.guard.} are ignored, so {@code System.getProperties()} may be passed. A number whose
     * name an open guard was given by {@link #fromProperties(String, Properties)} is skipped.
     *
     * @throws IllegalArgumentException naming the property, value and accepted forms, for a bad value or an unknown
     *                                  {@code docref.guard.*} key; nothing is created.
     */
    public static AllocationGuard fromProperties(final Properties properties)
    {
        final Properties copy = copy(Objects.requireNonNull(properties, "properties"));
        while (true)
        {
            try
            {
                return new AllocationGuard("guard-" + UNNAMED.incrementAndGet(), copy, false);
            }
            catch (final NameTaken ex)
            {
                // Another guard was named guard-<n> by its creator: the caller chose no name, so take the next.
            }
        }
    }

    /**
     * A new guard with a name of your choice: its MXBean is {@code dev.docref:type=AllocationGuard,name=<name>}.
     *
     * @param name 1 to 64 of {@code A-Z a-z 0-9 . _ -}, not used by another open guard, and not {@code global},
     *             which is {@link #global()}'s.
     * @throws IllegalArgumentException for a bad property value, or a bad or taken name.
     */
    public static AllocationGuard fromProperties(final String name, final Properties properties)
    {
        Objects.requireNonNull(name, "name");
        return new AllocationGuard(name, copy(Objects.requireNonNull(properties, "properties")), false);
    }

    /**
     * Apply every {@code docref.guard.*} key in {@code properties}; keys it does not name keep their values. Setting
     * {@value #CONFIG_PROP_NAME} reads that file at once and watches it from then on (an empty value stops
     * watching).
     *
     * @throws IllegalArgumentException naming the property, the value and the accepted forms; the previous
     *                                  configuration stays in force.
     * @throws OutOfMemoryError         if the new file's watcher thread cannot be started; the previous
     *                                  configuration, and its watcher, stay in force.
     * @throws IllegalStateException    if the guard is {@link #close() closed}: it keeps its last configuration.
     */
    public void reconfigure(final Properties properties)
    {
        final Properties copy = copy(Objects.requireNonNull(properties, "properties"));
        synchronized (configLock)
        {
            if (objectName == null)
            {
                // Closed: applied, a config file would be watched by no one, and reported by configFile() as watched.
                throw new IllegalStateException("docref guard " + name + " is closed, so it keeps its last " +
                    "configuration and cannot be reconfigured; create a new guard with " +
                    "AllocationGuard.fromProperties instead.");
            }
            final GuardSettings before = settings;
            GuardSettings after = before.with(copy, "reconfigure of guard " + name, false);
            final boolean newFile = copy.getProperty(CONFIG_PROP_NAME) != null;
            ConfigFileWatcher.Reading read = null;
            if (newFile && after.configFile != null)
            {
                read = readConfigFile(after.configFile);
                after = after.with(read.properties(ConfigFileWatcher.named(after.configFile)),
                    after.configFile.toString(), false);
            }
            if (newFile)
            {
                // Started before anything changes, so that a thread that cannot be created leaves the guard as it was;
                // the new watcher applies nothing before this lock is released, by when it is the guard's.
                final ConfigFileWatcher started =
                    after.configFile != null ? ConfigFileWatcher.start(this, after.configFile, read) : null;
                if (watcher != null)
                {
                    watcher.stop();
                }
                watcher = started;
            }
            settings = after;
            logChange(before, after, "reconfigure");
        }
    }

    /**
     * Decide about one allocation of {@code bytes} against the single-allocation limit, before it is made.
     * <ul>
     *     <li>{@code OFF}: does nothing.</li>
     *     <li>{@code WARN}: over the limit, notifies listeners, emits the JFR event and logs a warning (rate-limited
     *     per {@code what}), then returns: the caller allocates.</li>
     *     <li>{@code BLOCK}: over the limit, notifies listeners, emits the JFR event and logs, then throws.</li>
     * </ul>
     *
     * @param bytes the size of the allocation, 0 or more.
     * @param what  a short, stable description, e.g. {@code "pkey index resize"}: warnings are rate-limited per
     *              {@code what}, so do not put changing numbers in it.
     * @throws AllocationBlockedException in {@code BLOCK} mode when {@code bytes} is over the limit.
     * @throws IllegalArgumentException   if {@code bytes} is negative.
     */
    public void check(final long bytes, final String what)
    {
        check(bytes, what, null);
    }

    /**
     * Check what a forecast predicts a table's next resize allocates, as {@link #check(long, String)} does with
     * {@link ResizeForecast#nextResizeBytes()}: the whole resize counts as one allocation against the
     * single-allocation limit, both arrays together for a map with separate key and value arrays (fastutil, HPPC),
     * since the one insert allocates them all while the old table is live. Warnings and the block message add the
     * forecast's numbers, and for such a map say so: {@code a resize allocating 256.00 MiB inside one insert
     * (2 arrays, the largest 128.00 MiB) ... checkResize counts the whole resize as one allocation.} Does nothing for
     * a table that never resizes again.
     *
     * @throws AllocationBlockedException in {@code BLOCK} mode when the resize would be over the limit.
     */
    public void checkResize(final ResizeForecast forecast, final String what)
    {
        Objects.requireNonNull(forecast, "forecast");
        if (forecast.resizes())
        {
            check(forecast.nextResizeBytes(), what, forecast);
        }
    }

    /**
     * Reserve {@code bytes} against the total limit. The reservation is recorded in every mode (so a later
     * {@link #release} balances it even if the mode changed in between); over the limit it warns in {@code WARN}
     * and is refused in {@code BLOCK}.
     *
     * @throws AllocationBlockedException in {@code BLOCK} mode when the reservation would take the total over the
     *                                    limit; nothing is reserved.
     * @throws IllegalArgumentException   if {@code bytes} is negative.
     */
    public void reserve(final long bytes, final String what)
    {
        requireBytes(bytes);
        Objects.requireNonNull(what, "what");
        while (true)
        {
            final GuardSettings settings = this.settings;
            final long before = reservedBytes.get();
            final long after = before + bytes;
            if (after < 0)
            {
                throw new IllegalStateException("docref guard: reserving " + bytes + " bytes for [" + what + "] " +
                    "on top of " + before + " overflows a long; a caller reserves without releasing.");
            }
            // Nothing asked for is never over the limit, as in check: a zero-byte reservation always succeeds.
            final boolean over = settings.mode != GuardMode.OFF && bytes > 0 && after > settings.totalLimit;
            if (over && settings.mode == GuardMode.BLOCK)
            {
                checks.increment();
                noteLargest(bytes);
                decide(settings, bytes, what, settings.totalLimit, TOTAL_LIMIT_PROP_NAME, before, null);
                throw new IllegalStateException("unreachable: a BLOCK decision throws");
            }
            if (reservedBytes.compareAndSet(before, after))
            {
                if (settings.mode != GuardMode.OFF)
                {
                    checks.increment();
                    noteLargest(bytes);
                    if (over)
                    {
                        decide(settings, bytes, what, settings.totalLimit, TOTAL_LIMIT_PROP_NAME, before, null);
                    }
                }
                return;
            }
        }
    }

    /**
     * Return {@code bytes} reserved earlier. Never blocks or warns; safe from any thread, including a
     * {@link java.lang.ref.Cleaner}'s.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative.
     * @throws IllegalStateException    if more is released than is reserved (a release without its reserve);
     *                                  nothing changes.
     */
    public void release(final long bytes)
    {
        requireBytes(bytes);
        while (true)
        {
            final long before = reservedBytes.get();
            if (bytes > before)
            {
                throw new IllegalStateException("docref guard " + name + ": release of " + bytes + " bytes but " +
                    "only " + before + " are reserved; every release must match an earlier reserve.");
            }
            if (reservedBytes.compareAndSet(before, before - bytes))
            {
                return;
            }
        }
    }

    /**
     * Add a listener for every decision other than {@link AllocationDecision#ALLOWED}. See
     * {@link AllocationListener} for the contract: called synchronously on the allocating thread, before
     * {@code check}/{@code reserve} returns or throws; a listener that throws is logged and ignored.
     */
    public void addListener(final AllocationListener listener)
    {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    /** @return whether {@code listener} was registered (it is not any more). */
    public boolean removeListener(final AllocationListener listener)
    {
        return listeners.remove(listener);
    }

    /** @return the current mode. */
    public GuardMode mode()
    {
        return settings.mode;
    }

    /** @return the current single-allocation limit in bytes ({@link Long#MAX_VALUE} = unlimited). */
    public long singleAllocationLimit()
    {
        return settings.singleAllocationLimit;
    }

    /** @return the current total limit in bytes ({@link Long#MAX_VALUE} = unlimited). */
    public long totalLimit()
    {
        return settings.totalLimit;
    }

    /** @return the current minimum time between logged warnings for one {@code what}. */
    public Duration warnInterval()
    {
        return settings.warnInterval;
    }

    /** @return the watched config file, or {@code null}: none is set, or the guard is closed. */
    public Path configFile()
    {
        return settings.configFile;
    }

    /** @return bytes reserved now. */
    public long reservedBytes()
    {
        return reservedBytes.get();
    }

    /** @return the guard's name, as in its MXBean's {@code name=} key. */
    public String name()
    {
        return name;
    }

    /** @return decisions made (calls of {@code check}, {@code checkResize}, {@code reserve} while not OFF). */
    public long checks()
    {
        return checks.sum();
    }

    /** @return decisions that warned. */
    public long warnings()
    {
        return warnings.sum();
    }

    /** @return decisions that blocked. */
    public long blocks()
    {
        return blocks.sum();
    }

    /** @return the largest request checked or reserved while not OFF. */
    public long largestRequestBytes()
    {
        return largestRequestBytes.get();
    }

    /**
     * Stop watching the config file and unregister the MXBean, so the guard can be collected; it keeps deciding with
     * its last configuration, which can no longer change: {@link #reconfigure} throws {@link IllegalStateException}
     * and {@link #configFile()} returns {@code null}. Calling it again does nothing.
     *
     * @throws UnsupportedOperationException for the {@link #global()} guard, which lives as long as the JVM.
     */
    public void close()
    {
        if (isGlobal)
        {
            throw new UnsupportedOperationException("the global AllocationGuard lives as long as the JVM; close " +
                "only guards made with fromProperties");
        }
        synchronized (configLock)
        {
            if (watcher != null)
            {
                watcher.stop();
                watcher = null;
            }
            final GuardSettings last = settings;
            settings = new GuardSettings(last.mode, last.singleAllocationLimit, last.totalLimit, last.warnInterval,
                null);
            unregister();
        }
    }

    /** Unregister the MXBean, if registered. Called holding {@link #configLock}. */
    private void unregister()
    {
        if (objectName != null)
        {
            try
            {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(objectName);
            }
            catch (final JMException ex)
            {
                LOGGER.log(System.Logger.Level.DEBUG, "docref guard " + name + ": MXBean already gone", ex);
            }
            objectName = null;
        }
    }

    public String toString()
    {
        return "AllocationGuard{name=" + name + ", " + settings + ", reserved=" +
            PropertyValues.formatBytes(reservedBytes.get()) + "}";
    }

    // ------------------------------------------------------------------------------------------------------------
    // Runtime configuration: MXBean setters and the watched file.
    // ------------------------------------------------------------------------------------------------------------

    /** Apply one key, as the MXBean's setters do. */
    void set(final String key, final String value)
    {
        final Properties properties = new Properties();
        // A null from a JMX client reads as no value, which every key but the config file's refuses by name.
        properties.setProperty(key, value == null ? "" : value);
        synchronized (configLock)
        {
            final GuardSettings before = settings;
            final GuardSettings after = before.with(properties, "MXBean of guard " + name, false);
            settings = after;
            logChange(before, after, "MXBean");
        }
    }

    /** For tests: the current watcher, or null. */
    ConfigFileWatcher watcher()
    {
        synchronized (configLock)
        {
            return watcher;
        }
    }

    /**
     * Apply the watched file's new contents, unless {@code from} is no longer this guard's watcher: the guard was
     * closed, its file changed, or the same file was set again, in which case the newer watcher's reading wins
     * (an older reading waiting for the lock meanwhile must not overwrite it).
     *
     * @return false if {@code from} is no longer wanted.
     * @throws IllegalArgumentException for a bad value; nothing changes.
     */
    boolean applyConfigFile(final ConfigFileWatcher from, final Properties contents)
    {
        synchronized (configLock)
        {
            final GuardSettings before = settings;
            if (from != watcher || objectName == null)
            {
                return false;
            }
            final Path file = before.configFile;
            // A bad value is logged after the file's path (logInvalidConfigFile), so its message does not repeat it.
            final GuardSettings after = before.with(contents, null, false);
            settings = after;
            logChange(before, after, file.toString());
            return true;
        }
    }

    /**
     * Read the config file at once, as a guard's creation and {@code reconfigure} do: a file being written in place
     * may be read part-written, and then its watcher applies the finished file two polls later.
     *
     * @throws IllegalArgumentException naming the file, for a missing or unreadable one.
     */
    private static ConfigFileWatcher.Reading readConfigFile(final Path file)
    {
        try
        {
            return ConfigFileWatcher.Reading.of(file);
        }
        catch (final IOException ex)
        {
            throw ConfigFileWatcher.notAPropertiesFile(ConfigFileWatcher.named(file), ex);
        }
    }

    /** Log a refused edit of the watched file, naming it; {@code ex}'s message does not name it again. */
    void logInvalidConfigFile(final Path file, final RuntimeException ex)
    {
        LOGGER.log(System.Logger.Level.WARNING, "docref guard " + name + ": ignored an edit of " + file + ": " +
            ex.getMessage());
    }

    private void logChange(final GuardSettings before, final GuardSettings after, final String source)
    {
        if (!before.toString().equals(after.toString()))
        {
            LOGGER.log(System.Logger.Level.INFO, "docref guard " + name + " reconfigured by " + source + ": " +
                after);
        }
    }

    // ------------------------------------------------------------------------------------------------------------
    // Decisions.
    // ------------------------------------------------------------------------------------------------------------

    private void check(final long bytes, final String what, final ResizeForecast forecast)
    {
        requireBytes(bytes);
        Objects.requireNonNull(what, "what");
        final GuardSettings settings = this.settings;
        if (settings.mode == GuardMode.OFF)
        {
            return;
        }
        checks.increment();
        noteLargest(bytes);
        if (bytes > settings.singleAllocationLimit)
        {
            decide(settings, bytes, what, settings.singleAllocationLimit, SINGLE_ALLOCATION_LIMIT_PROP_NAME,
                reservedBytes.get(), forecast);
        }
    }

    /** Report a request over {@code limit}: count, notify, record, log; throw in BLOCK mode. */
    private void decide(
        final GuardSettings settings,
        final long bytes,
        final String what,
        final long limit,
        final String limitProperty,
        final long reservedBefore,
        final ResizeForecast forecast)
    {
        final boolean block = settings.mode == GuardMode.BLOCK;
        final AllocationDecision decision = block ? AllocationDecision.BLOCKED : AllocationDecision.WARNED;
        (block ? blocks : warnings).increment();
        final AllocationEvent event = new AllocationEvent(what, bytes, limit, limitProperty, settings.mode, decision,
            reservedBefore, Instant.now());
        final String message = message(event, forecast);
        notifyListeners(event);
        final AllocationGuardEvent jfr = new AllocationGuardEvent();
        if (jfr.shouldCommit())
        {
            jfr.bytes = bytes;
            jfr.limit = limit;
            jfr.what = what;
            jfr.decision = decision.name();
            jfr.commit();
        }
        final long suppressed = warnRate(what).admit(System.nanoTime(), settings.warnIntervalNanos);
        if (suppressed >= 0)
        {
            LOGGER.log(System.Logger.Level.WARNING, message +
                (suppressed > 0 ? " (" + suppressed + " more for [" + what + "] since the last one logged.)" : "") +
                callerStack());
        }
        if (block)
        {
            throw new AllocationBlockedException(message, event);
        }
    }

    static String message(final AllocationEvent event, final ResizeForecast forecast)
    {
        final boolean total = TOTAL_LIMIT_PROP_NAME.equals(event.limitProperty());
        final boolean block = event.decision() == AllocationDecision.BLOCKED;
        final String mode = event.mode().name().toLowerCase(Locale.ROOT);
        // What is compared with the limit: the request, or for the total the bytes in use with it. Where it and the
        // limit round alike ("2.00 MiB ... is over ... 2.00 MiB"), every size is given exactly too, so the reader
        // sees the excess (a 16-byte array header past a round limit); not where the bytes in use are at the limit
        // already, which shows that anything asked for goes over.
        final boolean exact = total ? event.reservedBytes() < event.limit() &&
            PropertyValues.formatAlike(event.reservedBytes() + event.bytes(), event.limit()) :
            PropertyValues.formatAlike(event.bytes(), event.limit());
        final String size = PropertyValues.formatBytes(event.bytes(), exact);
        final String limit = event.limitProperty() + " = " + (event.limit() == Long.MAX_VALUE ?
            PropertyValues.formatLimit(event.limit()) : PropertyValues.formatBytes(event.limit(), exact));
        final StringBuilder text = new StringBuilder(300);
        if (total)
        {
            text.append(block ? "docref guard blocked a reservation of " : "docref guard warning: a reservation of ")
                .append(size).append(" for [").append(event.what()).append(block ? "]: limit " : "] goes over ")
                .append(limit).append(" with ").append(PropertyValues.formatBytes(event.reservedBytes(), exact))
                .append(" in use and ").append(size).append(" asked for (mode ").append(mode).append(").")
                .append(block ? " Free memory, raise the limit, or set " + MODE_PROP_NAME + "=warn." :
                    " Allowed. Free memory, raise the limit, or set " + MODE_PROP_NAME + "=block to refuse it.");
        }
        else
        {
            // A resize of several arrays is checked as one allocation; say so rather than call it a single one.
            final boolean arrays = forecast != null && forecast.nextResizeAllocations() > 1;
            text.append(block ? "docref guard blocked " : "docref guard warning: ")
                .append(arrays ? String.format(Locale.ROOT, "a resize allocating %s inside one insert (%d arrays, " +
                    "the largest %s)", size, forecast.nextResizeAllocations(),
                    PropertyValues.formatBytes(forecast.nextResizeLargestAllocationBytes())) :
                    "a single allocation of " + size)
                .append(" for [").append(event.what()).append(block ? "]: limit " : "] is over ")
                .append(limit).append(" (mode ").append(mode).append(").")
                .append(arrays ? " checkResize counts the whole resize as one allocation." : "")
                .append(block ? " Pre-size the structure, raise the limit, or set " + MODE_PROP_NAME + "=warn." :
                    " Allowed. Pre-size the structure, raise the limit, or set " + MODE_PROP_NAME +
                    "=block to refuse it.");
        }
        if (forecast != null)
        {
            text.append(" Forecast: ").append(forecast).append('.');
        }
        return text.toString();
    }

    private void notifyListeners(final AllocationEvent event)
    {
        for (final AllocationListener listener : listeners)
        {
            try
            {
                listener.onAllocation(event);
            }
            catch (final VirtualMachineError ex)
            {
                throw ex;
            }
            catch (final Throwable ex)
            {
                // Everything else, checked exceptions thrown sneakily (Kotlin, Lombok) included: a listener must not
                // change the decision, nor leave a reservation made and its caller told it failed.
                LOGGER.log(System.Logger.Level.WARNING, "docref guard " + name + ": listener " + listener +
                    " threw on " + event + "; ignored. Listeners must not throw.", ex);
            }
        }
    }

    private WarnRate warnRate(final String what)
    {
        WarnRate rate = warnRates.get(what);
        if (rate == null)
        {
            if (warnRates.size() >= MAX_RATE_LIMITED_WHATS)
            {
                // Callers that put changing numbers in `what` would grow this without bound; forgetting only means
                // one more warning per `what`.
                warnRates.clear();
            }
            rate = warnRates.computeIfAbsent(what, k -> new WarnRate());
        }
        return rate;
    }

    private void noteLargest(final long bytes)
    {
        long largest = largestRequestBytes.get();
        while (bytes > largest && !largestRequestBytes.compareAndSet(largest, bytes))
        {
            largest = largestRequestBytes.get();
        }
    }

    /** The allocating thread's stack, from the guard's caller down, as a log message tail. */
    private static String callerStack()
    {
        final String guardClass = AllocationGuard.class.getName();
        return StackWalker.getInstance().walk(frames -> frames
            .dropWhile(frame -> frame.getClassName().equals(guardClass) ||
                frame.getClassName().startsWith(guardClass + "$"))
            .limit(LOGGED_STACK_FRAMES)
            .map(frame -> "\n\tat " + frame)
            .collect(Collectors.joining("", "\nCaller stack:", "")));
    }

    private static void requireBytes(final long bytes)
    {
        if (bytes < 0)
        {
            throw new IllegalArgumentException("bytes must be 0 or more but was " + bytes);
        }
    }

    private static Properties copy(final Properties properties)
    {
        final Properties copy = new Properties();
        for (final String key : properties.stringPropertyNames())
        {
            copy.setProperty(key, properties.getProperty(key));
        }
        return copy;
    }

    private static ObjectName register(final String name, final GuardMXBeanView view)
    {
        final MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try
        {
            final ObjectName objectName = new ObjectName("dev.docref:type=AllocationGuard,name=" + name);
            server.registerMBean(view, objectName);
            return objectName;
        }
        catch (final InstanceAlreadyExistsException ex)
        {
            throw new NameTaken(name, ex);
        }
        catch (final JMException ex)
        {
            throw new IllegalStateException("docref guard " + name + ": cannot register its MXBean", ex);
        }
    }

    /** Another open guard has the name: thrown before anything is started, so that an unnamed guard takes another. */
    private static final class NameTaken extends IllegalArgumentException
    {
        private static final long serialVersionUID = 1L;

        NameTaken(final String name, final InstanceAlreadyExistsException cause)
        {
            super("an AllocationGuard named " + name + " is already registered; choose another name, or close() " +
                "the other guard first", cause);
        }
    }

    /** When {@code what} last logged, and how many reports it suppressed since. */
    private static final class WarnRate
    {
        private long lastLoggedNanos;
        private boolean logged;
        private long suppressed;

        /** @return -1 to stay quiet, else how many reports were suppressed since the last one logged. */
        synchronized long admit(final long nowNanos, final long intervalNanos)
        {
            if (logged && nowNanos - lastLoggedNanos < intervalNanos)
            {
                suppressed++;
                return -1;
            }
            final long count = suppressed;
            logged = true;
            lastLoggedNanos = nowNanos;
            suppressed = 0;
            return count;
        }
    }
}
