"""MMAction2's STGCN++ on the skeleton tables: dataset, config, training stage, window scoring."""
