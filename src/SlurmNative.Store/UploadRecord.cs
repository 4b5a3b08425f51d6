namespace SlurmNative.Store;

/// <summary>What deciding whether a stored credential is still wanted needs: who, when uploaded, kept or not, which write.</summary>
public sealed record UploadRecord(uint Uid, DateTimeOffset Uploaded, bool Keep, long Version);
