<?php
echo "composer-lock\n";
