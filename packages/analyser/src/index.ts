// @dla/analyser: see the package README. Modules are re-exported here as namespaces.
export {}
