"""The ``provml demo`` lifecycle: classifying geological structures in synthetic seismic data.

Four captured workflows of one study (curation, learning-data preparation, learning,
production), run serially (:func:`provml_kg.demo.runner.run_demo`) or as a hyperparameter
search across MPI ranks (:func:`provml_kg.demo.mpi_run.run_mpi_demo`), then ingested, validated
and questioned with stored queries. Nothing is imported here: ``provml --help`` stays fast.
"""
