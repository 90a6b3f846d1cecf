"""Videos -> skeleton tables: decoding (decode), pose backends (pose), tracking (tracking),
training windows (windows), table parts and their merge (tables), one video end to end
(pipeline), and the MMAction2 pickle export (mmaction)."""
