namespace SlurmNative.IntegrationTests;

/// <summary>Every test class that uses the cluster shares one testbed, started once, and runs one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class TestbedCollection : ICollectionFixture<Testbed>
{
    public const string Name = "testbed";
}
