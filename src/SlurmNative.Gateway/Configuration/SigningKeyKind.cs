namespace SlurmNative.Gateway.Configuration;

internal enum SigningKeyKind
{
    Hs256KeyFile,
    Rs256KeySet,
}
