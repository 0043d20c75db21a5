package dev.docref.trap;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The settings of one {@link FreezeTrap}, fixed when it is built: what the {@code docref.trap.*} properties and
 * {@link FreezeTrap.Builder} set.
 * <b>Thread-safety:</b> immutable.
 *
 * @param enabled            {@code docref.trap.enabled}.
 * @param dir                {@code docref.trap.dir}.
 * @param stallThreshold     {@code docref.trap.stall.threshold}.
 * @param probeInterval      {@code docref.trap.probe.interval}.
 * @param probeDeadline      {@code docref.trap.probe.deadline}.
 * @param captureDuration    {@code docref.trap.capture.duration}.
 * @param cooldown           {@code docref.trap.cooldown}.
 * @param maxCapturesPerHour {@code docref.trap.max.captures.per.hour}.
 * @param maxDiskBytes       {@code docref.trap.max.disk}.
 * @param command            {@code docref.trap.command}, or {@code null}.
 * @param jfr                {@code docref.trap.jfr}.
 */
record TrapSettings(
    boolean enabled, Path dir, Duration stallThreshold, Duration probeInterval, Duration probeDeadline,
    Duration captureDuration, Duration cooldown, int maxCapturesPerHour, long maxDiskBytes, String command,
    boolean jfr)
{
}
