package dev.docref.guard;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Properties;

import static dev.docref.guard.AllocationGuard.CONFIG_PROP_NAME;
import static dev.docref.guard.AllocationGuard.MODE_PROP_NAME;
import static dev.docref.guard.AllocationGuard.SINGLE_ALLOCATION_LIMIT_PROP_NAME;
import static dev.docref.guard.AllocationGuard.TOTAL_LIMIT_PROP_NAME;
import static dev.docref.guard.AllocationGuard.WARN_INTERVAL_PROP_NAME;

/**
 * One complete, valid configuration of an {@link AllocationGuard}, and the one place its properties are parsed.
 * <p>
 * A configuration is built whole from the previous one and a set of properties, or not at all: a bad value throws
 * before anything changes, so the guard swaps the new one in with one volatile write.
 * <p>
 * <b>Thread-safety:</b> immutable.
 */
final class GuardSettings
{
    /** Every key the guard reads, in the order error messages list them. */
    static final List<String> KEYS = List.of(MODE_PROP_NAME, SINGLE_ALLOCATION_LIMIT_PROP_NAME, TOTAL_LIMIT_PROP_NAME,
        WARN_INTERVAL_PROP_NAME, CONFIG_PROP_NAME);

    private static final String PREFIX = "docref.guard.";

    /**
     * The longest warning interval: {@link Long#MAX_VALUE} milliseconds, about 292 million years, so that the MXBean's
     * {@code WarnIntervalMillis} and every log line can show it in milliseconds.
     */
    static final Duration MAX_WARN_INTERVAL = Duration.ofMillis(Long.MAX_VALUE);

    static final GuardSettings DEFAULTS = new GuardSettings(AllocationGuard.MODE_DEFAULT,
        AllocationGuard.SINGLE_ALLOCATION_LIMIT_DEFAULT, AllocationGuard.TOTAL_LIMIT_DEFAULT,
        AllocationGuard.WARN_INTERVAL_DEFAULT, null);

    final GuardMode mode;
    final long singleAllocationLimit;
    final long totalLimit;
    final Duration warnInterval;
    /** Cached {@link #warnInterval} in nanoseconds, for the rate limit. */
    final long warnIntervalNanos;
    /** The watched file, or {@code null}. */
    final Path configFile;

    GuardSettings(
        final GuardMode mode,
        final long singleAllocationLimit,
        final long totalLimit,
        final Duration warnInterval,
        final Path configFile)
    {
        this.mode = Objects.requireNonNull(mode);
        this.singleAllocationLimit = singleAllocationLimit;
        this.totalLimit = totalLimit;
        this.warnInterval = Objects.requireNonNull(warnInterval);
        this.warnIntervalNanos = saturatedNanos(warnInterval);
        this.configFile = configFile;
    }

    /**
     * This configuration with every guard key present in {@code properties} applied; absent keys keep their value.
     *
     * @param properties   keys not starting with {@code docref.guard.} are ignored; the config file's are checked
     *                     as it is read ({@link ConfigFileWatcher.Reading#properties}), naming the line.
     * @param source       where the properties came from, for error messages; {@code null} where the message is
     *                     logged after the source already.
     * @param creating     whether a guard is being created from these properties, so that there is no previous
     *                     configuration to keep: a bad value's message then says that no guard was created.
     * @throws IllegalArgumentException naming the property, the value and the accepted forms, or an unknown key.
     */
    GuardSettings with(
        final Properties properties, final String source, final boolean creating)
    {
        for (final String key : properties.stringPropertyNames())
        {
            if (!KEYS.contains(key) && key.startsWith(PREFIX))
            {
                throw new IllegalArgumentException(prefix(source) + "unknown property " + key + "; the guard reads " +
                    KEYS + ". Check the spelling.");
            }
        }
        final String mode = properties.getProperty(MODE_PROP_NAME);
        final String single = properties.getProperty(SINGLE_ALLOCATION_LIMIT_PROP_NAME);
        final String total = properties.getProperty(TOTAL_LIMIT_PROP_NAME);
        final String interval = properties.getProperty(WARN_INTERVAL_PROP_NAME);
        final String config = properties.getProperty(CONFIG_PROP_NAME);
        try
        {
            return new GuardSettings(
                mode == null ? this.mode : PropertyValues.parseEnum(MODE_PROP_NAME, mode, GuardMode.class),
                single == null ? singleAllocationLimit :
                    PropertyValues.parseLimit(SINGLE_ALLOCATION_LIMIT_PROP_NAME, single),
                total == null ? totalLimit : PropertyValues.parseLimit(TOTAL_LIMIT_PROP_NAME, total),
                interval == null ? warnInterval : parseWarnInterval(interval),
                config == null ? configFile : config.isBlank() ? null : Path.of(config.trim()));
        }
        catch (final IllegalArgumentException ex)
        {
            throw new IllegalArgumentException(prefix(source) + ex.getMessage() + (creating ?
                ". No guard was created." : ". The previous configuration stays in force."), ex);
        }
    }

    private static String prefix(final String source)
    {
        return source == null ? "" : source + ": ";
    }

    /**
     * A warning interval, at most {@link #MAX_WARN_INTERVAL}: {@code 3000000000000h} is a valid duration, but one
     * that a long does not count in milliseconds; so are values a long does not hold, {@code 9223372036854775808ms}.
     */
    private static Duration parseWarnInterval(final String value)
    {
        return PropertyValues.parseDuration(WARN_INTERVAL_PROP_NAME, value, MAX_WARN_INTERVAL, Long.MAX_VALUE + "ms",
            " (about 292 million years), the longest interval the guard counts");
    }

    public String toString()
    {
        return MODE_PROP_NAME + "=" + mode.name().toLowerCase(java.util.Locale.ROOT) + ", " +
            SINGLE_ALLOCATION_LIMIT_PROP_NAME + "=" + PropertyValues.formatLimit(singleAllocationLimit) + ", " +
            TOTAL_LIMIT_PROP_NAME + "=" + PropertyValues.formatLimit(totalLimit) + ", " +
            WARN_INTERVAL_PROP_NAME + "=" + warnInterval.toMillis() + "ms" +
            (configFile == null ? "" : ", " + CONFIG_PROP_NAME + "=" + configFile);
    }

    private static long saturatedNanos(final Duration duration)
    {
        try
        {
            return duration.toNanos();
        }
        catch (final ArithmeticException ex)
        {
            return Long.MAX_VALUE;
        }
    }
}
