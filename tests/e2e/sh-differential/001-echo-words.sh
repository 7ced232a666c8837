echo hello world
echo "two  spaces" 'single'
