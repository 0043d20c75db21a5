package dev.docref.trap;

/**
 * A small check that a service answers, such as a trivial query, run by {@link FreezeTrap} every probe interval.
 * <p>
 * Returning normally means healthy; throwing means a failure. A probe that has not returned by the deadline is a
 * freeze, whatever it does afterwards: the trap's watchdog notices while it still hangs. Keep it cheap (it runs
 * every second by default) and make it touch what a freeze would stop: the database, a lock, the allocator.
 * <b>Thread-safety:</b> called on the trap's probe thread only, one call at a time.
 */
@FunctionalInterface
public interface HealthProbe
{
    /**
     * Checks the service.
     *
     * @throws Exception if the service is unhealthy.
     */
    void check() throws Exception;
}
