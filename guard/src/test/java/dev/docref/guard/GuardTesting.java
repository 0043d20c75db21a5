package dev.docref.guard;

import java.util.Properties;

/** Small helpers shared by the guard tests. */
final class GuardTesting
{
    private GuardTesting()
    {
    }

    /** Properties from alternating keys and values. */
    static Properties properties(final String... keysAndValues)
    {
        final Properties properties = new Properties();
        for (int i = 0; i < keysAndValues.length; i += 2)
        {
            properties.setProperty(keysAndValues[i], keysAndValues[i + 1]);
        }
        return properties;
    }

    /** A guard from alternating keys and values; close it. */
    static AllocationGuard guard(final String... keysAndValues)
    {
        return AllocationGuard.fromProperties(properties(keysAndValues));
    }
}
