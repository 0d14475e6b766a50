/** The test process's environment without any launcher's or logger's variables, for child processes. */
export const launcherFree = (): NodeJS.ProcessEnv =>
  Object.fromEntries(
    Object.entries(process.env).filter(
      ([key]) =>
        !/^(RANK|LOCAL_RANK|WORLD_SIZE|LOCAL_WORLD_SIZE|GROUP_RANK|NODE_RANK|LOG_LEVEL|NO_COLOR)$/.test(key) &&
        !/^(SLURM|OMPI|PMI|PMIX|DLA_|NVRX_|SKYPILOT|HDFS_|DISABLE_HDFS|RAY_)/.test(key)
    )
  )
